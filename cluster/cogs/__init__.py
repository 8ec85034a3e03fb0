"""One module per feature, named for what it does: ``cluster/cogs/<feature>.py`` holds one cog (a
``CommandCog``, cluster.command_handlers) and ends in ``async def setup(bot): await bot.add_cog(Feature(bot))``;
list it in ``cluster.bot.DEFAULT_EXTENSIONS``. A feature is made of three kinds of methods::

    class Feature(CommandCog):  # self.bot, self.warnings (setup problems staff must fix), self.guild_of
        dynamic_items = (FeatureButton,)  # persistent buttons, if it has any

        @command_handler("feature.do")  # a command from the api (cluster.command_handlers)
        async def on_feature_do(self, env: Envelope) -> dict[str, Any]:
            cmd: FeatureDo = parse(env)
            guild = self.guild_of(env)  # or a plain-words refusal (cluster.discord_helpers)
            ...  # Discord's refusals propagate: the CommandRunner reports them in plain words
            return {"message_id": ...}  # command.completed's result

        @commands.Cog.listener()  # a gateway event, or a bot event such as guild_settings_changed
        async def on_guild_settings_changed(self, guild_id: int, config: SettingsSync) -> None: ...

Its tests live in ``tests/cluster/<feature>/`` and run the real cog against the fake Discord
(``start_node(extensions=[...])``, ``LocalBus.deliver_command``). ``direct_messages.py`` is the
smallest command feature, ``health.py`` one without commands."""
