#!/usr/bin/env bash
# Roll out one image of the analysts' API to its Cloud Run service, check that the new
# revision is the one serving, then leave a `.deployed` marker (what the next environment's
# promotion waits for).
#
#   deploy-api.sh SERVICE PROJECT REGION IMAGE gs://BUCKET/api/COMMIT.deployed
#
# Terraform creates the service (once the environment's api_image is set) and owns its
# configuration, ignoring the image; this script changes only the image. SERVICE is empty
# while the environment has no API: the image is pushed but not deployed, and the marker
# still lets the next environment take that same image.
set -euo pipefail
service=$1 project=$2 region=$3 image=$4 marker=$5
where=(--project="$project" --region="$region")

if [ -n "$service" ]; then
  gcloud run services update "$service" --image="$image" "${where[@]}" --quiet
  revisions=$(gcloud run services describe "$service" "${where[@]}" \
    --format='value(status.latestCreatedRevisionName,status.latestReadyRevisionName)')
  read -r created ready <<<"$revisions"
  if [ "$created" != "$ready" ]; then
    echo "$service: revision $created is not ready (still serving $ready)" >&2
    exit 1
  fi
else
  echo "no API service in $project yet: set api_image = \"$image\" in its environment's" \
    "terraform.tfvars and apply to create it" >&2
fi

printf '%s\n' "$image" | gcloud storage cp - "$marker"
