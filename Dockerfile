# Wishwall in a container: the bot, its web server (/healthz, /metrics, the webhook) and the
# nightly backups, run as an unprivileged user with the database on a volume.
FROM python:3.11-slim

# A CJK font, so the weekly chart is labelled in Chinese; curl-free health check via Python.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /srv/wishwall --shell /usr/sbin/nologin wishwall
WORKDIR /srv/wishwall
COPY --chown=wishwall:wishwall pyproject.toml README.md ./
COPY --chown=wishwall:wishwall bot ./bot
COPY --chown=wishwall:wishwall handlers ./handlers
COPY --chown=wishwall:wishwall storage ./storage
USER wishwall
# The same install as the README's "Install for production".
RUN python3 -m venv .venv && .venv/bin/pip install --no-cache-dir .

# The database and the backups live outside the image: they hold beneficiaries' personal data.
ENV WISHWALL_DB=/data/wishwall.db \
    WISHWALL_BACKUP_DIR=/data/backups \
    WISHWALL_LISTEN=0.0.0.0:8080 \
    WISHWALL_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD [".venv/bin/python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]

# SIGTERM (docker stop) makes the bot finish what is in flight and exit 0 within ~10 s.
STOPSIGNAL SIGTERM
CMD [".venv/bin/wishwall", "run"]
