// Jest global setup of the deploy suite: fetch the Helm binaries once, before any test file runs,
// and hand their paths to the tests through the environment.
import { ensureHelm } from '../../scripts/tools/helm.mjs';

export default function setup() {
  const releases = ensureHelm();
  process.env.DEPLOY_TEST_HELM = JSON.stringify(releases);
  console.log(`\ndeploy checks use helm ${releases.map((r) => r.version).join(' and ')}`);
}
