#!/usr/bin/env bash
# Refreshes the vendored uPlot (MIT, https://github.com/leeoniya/uPlot) from npm: no build step, nothing fetched at run time.
set -euo pipefail
version=${1:-1.6.32}
cd "$(dirname "$0")"
tmp=$(mktemp -d)
(cd "$tmp" && npm pack "uplot@$version" >/dev/null && tar xzf "uplot-$version.tgz")
cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$tmp/package/LICENSE" .
echo "$version" > VERSION
rm -rf "$tmp"
