#!/usr/bin/env bash
# Re-vendors the JavaScript libraries of the explorer from the npm registry (what was done once to
# produce the files next to this script; CI never runs it: the built files are committed).
#   cytoscape 3.34.4       dist/cytoscape.min.js, LICENSE
#   @triply/yasgui 4.2.28  build/yasgui.min.js, build/yasgui.min.css, build/yasgui.min.js.LICENSE.txt, LICENSE.txt
# `npm pack` downloads the published tarball; its sha512 is checked against the registry's
# dist.integrity recorded below before anything is copied; the files are copied unchanged.
# SOURCE.md lists the sha256 of each file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

fetch() {  # name@version expected-integrity tarball
  npm pack --silent "$1" >/dev/null
  actual="sha512-$(openssl dgst -sha512 -binary "$3" | base64 -w0)"
  if [ "$actual" != "$2" ]; then echo "integrity mismatch for $1: $actual" >&2; exit 1; fi
  mkdir -p "${3%.tgz}" && tar xzf "$3" -C "${3%.tgz}"
}

fetch cytoscape@3.34.4 \
  'sha512-msY99tMY8iWTg+sIPGfSqDcPNOt4xcj+v/K/7qUFaCUxxlqnMkUYLBjRUzn9W5CU/R2hrmtJa5+UtovrEM2ctg==' \
  cytoscape-3.34.4.tgz
fetch @triply/yasgui@4.2.28 \
  'sha512-HN1neZqERSGoDyk/Fg40nI+F0tHnaBxjqizhN0mur2Kj0oJsklBsFMRk/M+wW+ohy8dSEn7AgX3H0pPrV/wmVg==' \
  triply-yasgui-4.2.28.tgz

mkdir -p "$here/cytoscape" "$here/yasgui"
cp cytoscape-3.34.4/package/dist/cytoscape.min.js cytoscape-3.34.4/package/LICENSE "$here/cytoscape/"
cp triply-yasgui-4.2.28/package/build/yasgui.min.js triply-yasgui-4.2.28/package/build/yasgui.min.css \
   triply-yasgui-4.2.28/package/build/yasgui.min.js.LICENSE.txt triply-yasgui-4.2.28/package/LICENSE.txt "$here/yasgui/"
cd "$here" && sha256sum cytoscape/* yasgui/*
