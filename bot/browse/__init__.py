"""/wishes: a community's open wishes in a private chat, filtered by typed words and paged with
buttons; Claim and Join from the list are the group card's own claim (bot/wishes/claims.py)."""
