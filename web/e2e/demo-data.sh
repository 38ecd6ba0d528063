#!/usr/bin/env bash
# Builds a small data directory for trying the console by hand or from e2e/smoke.mjs:
# central Portland's roads and police districts (shared/data, ODbL / CC0), a dispatcher `li`
# (password pass12345) and a station chief `chief` (password chief12345).
# Usage: e2e/demo-data.sh PINGAN_BINARY DATA_DIR
# Then: PINGAN_BINARY serve --data-dir DATA_DIR --listen 127.0.0.1:8080
#       node e2e/seed.mjs            # units, positions and a few incidents over the HTTP API
set -euo pipefail
bin=${1:?pingan binary}
dir=${2:?data dir}
here=$(cd "$(dirname "$0")" && pwd)
data=${PINGAN_SHARED_DATA:-$here/../../../shared/data}
if [ -e "$dir/ledger.db" ] || [ -e "$dir/roads.graph" ]; then
  echo "$dir already holds data; remove it first" >&2
  exit 1
fi
mkdir -p "$dir"
"$bin" import roads --data-dir "$dir" "$data/maps/portland-central-2015.osm.pbf"
# Portland's 60 police districts become stations (派出所) under one bureau (分局).
node -e '
const fs = require("fs");
const src = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const features = src.features.map((f) => ({
  type: "Feature",
  geometry: f.geometry,
  properties: {
    id: "PDX-" + f.properties.DISTRICT,
    parent_id: "PDX",
    name: f.properties.DISTRICT + " 区",
    level: "station",
  },
}));
fs.writeFileSync(process.argv[2], JSON.stringify({ type: "FeatureCollection", features }));
' "$data/boundaries/portland_police_districts_2016.geojson" "$dir/stations.geojson"
# The bureau: the bounding box of all districts.
node -e '
const fs = require("fs");
const fc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
let [x0, y0, x1, y1] = [180, 90, -180, -90];
const walk = (c) => { if (typeof c[0] === "number") { x0 = Math.min(x0, c[0]); y0 = Math.min(y0, c[1]); x1 = Math.max(x1, c[0]); y1 = Math.max(y1, c[1]); } else c.forEach(walk); };
fc.features.forEach((f) => walk(f.geometry.coordinates));
const ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
fs.writeFileSync(process.argv[2], JSON.stringify({ type: "FeatureCollection", features: [
  { type: "Feature", geometry: { type: "Polygon", coordinates: [ring] },
    properties: { id: "PDX", name: "波特兰分局", level: "bureau" } } ] }));
' "$dir/stations.geojson" "$dir/bureau.geojson"
"$bin" import jurisdictions --data-dir "$dir" "$dir/bureau.geojson"
"$bin" import jurisdictions --data-dir "$dir" "$dir/stations.geojson"
echo pass12345 | "$bin" user add --data-dir "$dir" --username li --role dispatcher --display-name 李明
echo chief12345 | "$bin" user add --data-dir "$dir" --username chief --role station_chief --display-name 王所长
echo "demo data in $dir"
