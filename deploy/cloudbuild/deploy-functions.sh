#!/usr/bin/env bash
# Deploy every function of one service from a zip in the sources bucket, check each is ACTIVE,
# then leave a `.deployed` marker next to the zip (what the next environment's promotion waits for).
#
#   deploy-functions.sh SERVICE PROJECT REGION gs://BUCKET/services/SERVICE/COMMIT.zip
#
# Terraform owns each function's configuration and ignores its source; this script changes
# only the code, so a deploy can never drift the configuration.
set -euo pipefail
service=$1 project=$2 region=$3 source=$4

# The function names of the service, from the file generated from the topology.
functions=$(python3 - "$service" <<'PY'
import json
import sys

with open("deploy/terraform/modules/topology/topology.auto.tf.json", encoding="utf-8") as handle:
    print(" ".join(sorted(json.load(handle)["locals"]["services"][sys.argv[1]]["functions"])))
PY
)

for function in $functions; do
  gcloud functions deploy "$function" --gen2 --project="$project" --region="$region" \
    --source="$source" --quiet
  state=$(gcloud functions describe "$function" --gen2 --project="$project" --region="$region" \
    --format='value(state)')
  if [ "$state" != "ACTIVE" ]; then
    echo "$function is $state after the deploy" >&2
    exit 1
  fi
done

printf '%s\n' "$functions" | gcloud storage cp - "${source%.zip}.deployed"
