#!/bin/sh
# Make every secret docker-compose.yml mounts, once, as owner-only files in one folder (default
# deploy/compose/secrets, or $HUB_SECRETS_DIR). A file that exists is kept, so running it again never
# changes a password a database already uses. Run as root (or with sudo): each file is given to the
# container user that reads it (postgres and redis: uid 999; the hub and Airflow: uid 50000).
#
# Passwords are random hex, so they need no escaping in a URL or a config file.
set -eu
umask 077
dir="${HUB_SECRETS_DIR:-$(dirname "$0")/secrets}"
mkdir -p "$dir"
chmod 700 "$dir"

random() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
fernet_key() { head -c 32 /dev/urandom | base64 | tr '+/' '-_'; }

# make NAME OWNER CONTENT: write $dir/NAME (mode 0400, owned by OWNER) unless it exists.
make() {
    if [ ! -e "$dir/$1" ]; then
        printf '%s' "$3" > "$dir/$1"
        echo "made $dir/$1"
    fi
    chmod 400 "$dir/$1"
    chown "$2" "$dir/$1" 2>/dev/null || echo "warning: could not give $1 to uid $2 (run as root)" >&2
}
value() { head -n 1 "$dir/$1"; }

make postgres_password 999 "$(random)"
make hub_db_password 999 "$(random)"
make airflow_db_password 999 "$(random)"
# libpq's password file for the hub and Airflow (host:port:database:user:password).
make pgpass 50000 "postgres:5432:hub:hub:$(value hub_db_password)
postgres:5432:airflow:airflow:$(value airflow_db_password)"
make redis.conf 999 "requirepass $(random)"
make airflow_broker_url 50000 "redis://:$(sed -n 's/^requirepass //p' "$dir/redis.conf")@redis:6379/0"
make airflow_fernet_key 50000 "$(fernet_key)"
make airflow_api_secret_key 50000 "$(random)"
make airflow_jwt_secret 50000 "$(random)"
# The HSM token's user PIN (HUB_KEY_PROVIDER=pkcs11): write the real PIN into this file; unused otherwise.
make pkcs11_pin 50000 ""
