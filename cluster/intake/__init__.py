"""Helpers of the intake feature (``cluster.cogs.intake``): invite resolution, the ``$partnership`` DM
syntax, the application form and buttons and the plain-words texts the bot answers with.

Nothing here talks to the bus or decides anything: the cog wires these to Discord and to the api."""
