"""One module per feature: ``cluster/cogs/<feature>.py`` with a ``commands.Cog`` subclass and, at the
bottom, ``async def setup(bot): await bot.add_cog(Feature(bot))``. List it in
``cluster.bot.DEFAULT_EXTENSIONS``. ``health.py`` is the pattern."""
