"""People and policies: communities, branches, coordinators, members, invites, group bindings,
who may do what, and notices to people. Imports the shared basics of bot/, bot.wishes and storage/."""
