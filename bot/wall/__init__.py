"""The wish wall (a Telegram Mini App): who is asking (Telegram's signed initData), what they
may see of their community's wishes, and their claims and deliveries handed to the lifecycle."""
