"""`wishwall demo`: the wish wall on this computer, without a token or Telegram.

It owns a made-up community built through the core services as ten weeks of real use would
build it (world.py, cast.py), a Bot API that answers itself (offline.py), and a sign-in page
for loopback only that signs Telegram's initData with the demo's own token (signin.py, server.py).
"""
