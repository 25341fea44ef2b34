#!/usr/bin/env bash
# Follows the logs of every running pod that matches a label selector, including pods created later, each
# into DIR/<pod>.log, until it is killed. The e2e workflow runs it in the background during the rollouts:
# a replaced pod's log ends with its shutdown timeline, which `kubectl logs` cannot show once the pod has
# been deleted.
#
#   test/e2e/follow-pod-logs.sh NAMESPACE SELECTOR DIR
set -uo pipefail

if [ "$#" -ne 3 ]; then
  echo "usage: $0 NAMESPACE SELECTOR DIR" >&2
  exit 2
fi
namespace=$1
selector=$2
dir=$3
mkdir -p "$dir"

declare -A following=()
children=()
stop() {
  [ "${#children[@]}" -gt 0 ] && kill "${children[@]}" 2>/dev/null
  exit 0
}
trap stop TERM INT

while true; do
  # Terminating pods are still Running until their containers exit, so each is followed to its end.
  pods=$(kubectl get pods --namespace "$namespace" --selector "$selector" --field-selector status.phase=Running \
    --output 'jsonpath={.items[*].metadata.name}' 2>/dev/null) || pods=''
  for pod in $pods; do
    [ -n "${following[$pod]:-}" ] && continue
    following[$pod]=1
    kubectl logs --namespace "$namespace" "$pod" --all-containers --follow --timestamps >"$dir/$pod.log" 2>&1 &
    children+=("$!")
  done
  sleep 1
done
