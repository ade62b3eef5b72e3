#!/usr/bin/env bash
# Redis for the queue-mode tests and for trying queue mode by hand (Debian's redis-server package).
#
#   scripts/redis.sh install          install redis-server (and redis-cli) if missing (apt-get, as root)
#   scripts/redis.sh start [PORT]     run a throw-away server on 127.0.0.1:PORT (default 6379) in the
#                                     foreground, without persistence; Ctrl-C stops it
#
# The tests start and stop their own servers on free ports; they only need the binary.
set -euo pipefail

install() {
	if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "redis-server is missing: run as root, or: sudo apt-get install -y redis-server" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends redis-server >/dev/null
	# The package enables a system service; the tests never use it.
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
		systemctl stop redis-server || true
	fi
	redis-server --version
}

case "${1:-}" in
	install) install ;;
	start)
		install
		exec redis-server --port "${2:-6379}" --bind 127.0.0.1 --save '' --appendonly no
		;;
	*)
		sed -n '2,8p' "$0" >&2
		exit 2
		;;
esac
