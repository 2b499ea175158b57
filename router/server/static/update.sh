#!/usr/bin/env bash
# Refresh the GraphiQL bundle served by the router (no CDN at runtime).
# Usage: router/server/static/update.sh [graphiql-version] [react-version]
set -euo pipefail

GRAPHIQL_VERSION="${1:-3.8.3}"
REACT_VERSION="${2:-18.3.1}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENDOR="$HERE/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null
for archive in *.tgz; do
  mkdir -p "${archive%.tgz}"
  tar xzf "$archive" -C "${archive%.tgz}"
done

mkdir -p "$VENDOR"
cp "graphiql-$GRAPHIQL_VERSION/package/graphiql.min.js" "$VENDOR/graphiql.min.js"
cp "graphiql-$GRAPHIQL_VERSION/package/graphiql.min.css" "$VENDOR/graphiql.min.css"
cp "graphiql-$GRAPHIQL_VERSION/package/LICENSE" "$VENDOR/LICENSE.graphiql"
cp "react-$REACT_VERSION/package/umd/react.production.min.js" "$VENDOR/react.production.min.js"
cp "react-$REACT_VERSION/package/LICENSE" "$VENDOR/LICENSE.react"
cp "react-dom-$REACT_VERSION/package/umd/react-dom.production.min.js" \
  "$VENDOR/react-dom.production.min.js"
cat >"$VENDOR/VERSIONS" <<VERSIONS
graphiql $GRAPHIQL_VERSION
react $REACT_VERSION
react-dom $REACT_VERSION
VERSIONS
echo "GraphiQL $GRAPHIQL_VERSION and React $REACT_VERSION written to $VENDOR"
