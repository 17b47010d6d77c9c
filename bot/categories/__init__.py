"""Wish categories per community: the seven built in plus each community's own (added, renamed
and hidden by its coordinators), one book that labels, matches and offers them everywhere."""
