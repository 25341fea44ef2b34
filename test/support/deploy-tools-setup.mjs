// Jest global setup of the deploy suite: fetch the Helm and kubectl binaries once, before any test file
// runs, and hand their paths to the tests through the environment.
import { ensureHelm, ensureKubectl } from '../../scripts/tools/deploy-tools.mjs';
import { recordTarget } from './measurements.ts';

export default function setup() {
  const helm = ensureHelm();
  const kubectl = ensureKubectl();
  process.env.DEPLOY_TEST_HELM = JSON.stringify(helm);
  process.env.DEPLOY_TEST_KUBECTL = kubectl.path;
  const helmVersions = helm.map((r) => r.version);
  recordTarget('deploy-tools', `deploy checks use helm ${helmVersions.join(' and ')}, kubectl ${kubectl.version}`, {
    helm: helmVersions,
    kubectl: kubectl.version,
  });
}
