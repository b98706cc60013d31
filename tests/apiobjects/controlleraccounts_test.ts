/**
 * lib/apiobjects/controlleraccounts.ts: when kubestrap creates kube-controller-manager's controller
 * ServiceAccounts ahead of it, decided from the static Pod manifest (kubeadm's own manifests from
 * tests/manifests/testdata, and variants of them). That the list is the real controller-manager's
 * is checked against it in tests/init_api/controller_accounts_test.ts and tests/e2e.
 */
import * as path from "@std/path";
import { assertEquals } from "../assert.ts";
import {
  CONTROLLER_ACCOUNTS_V1_37,
  controllerAccountsPlan,
} from "../../lib/apiobjects/controlleraccounts.ts";

const golden = (c: string) =>
  Deno.readTextFileSync(
    path.join(
      import.meta.dirname!,
      "..",
      "manifests",
      "testdata",
      c,
      "golden",
      "kube-controller-manager.yaml.golden",
    ),
  );

const DEFAULT = golden("default");

Deno.test("controller accounts: kubeadm's v1.37 manifests get the v1.37 list", () => {
  for (const c of ["default", "dualstack", "external", "ha", "patched"]) {
    assertEquals(controllerAccountsPlan(golden(c)), { accounts: CONTROLLER_ACCOUNTS_V1_37 }, c);
  }
  assertEquals(CONTROLLER_ACCOUNTS_V1_37.length, 40);
  assertEquals([...CONTROLLER_ACCOUNTS_V1_37].sort(), CONTROLLER_ACCOUNTS_V1_37);
  // A digest-pinned image still names its version.
  const pinned = DEFAULT.replace(
    "kube-controller-manager:v1.37.2",
    `kube-controller-manager:v1.37.2@sha256:${"ab".repeat(32)}`,
  );
  assertEquals(controllerAccountsPlan(pinned), { accounts: CONTROLLER_ACCOUNTS_V1_37 });
});

Deno.test("controller accounts: anything that can change the controllers leaves them to the controller-manager", () => {
  const cases: [string, string, string][] = [
    [
      "controllers",
      DEFAULT.replace("--controllers=*,bootstrapsigner,tokencleaner", "--controllers=*,-ttl"),
      "--controllers is not kubeadm's *,bootstrapsigner,tokencleaner",
    ],
    [
      "no controllers flag",
      DEFAULT.replace("    - --controllers=*,bootstrapsigner,tokencleaner\n", ""),
      "--controllers is not kubeadm's *,bootstrapsigner,tokencleaner",
    ],
    [
      "own credentials off",
      DEFAULT.replace(
        "--use-service-account-credentials=true",
        "--use-service-account-credentials=false",
      ),
      "--use-service-account-credentials is not true",
    ],
    [
      "feature gates",
      DEFAULT.replace(
        "    - --leader-elect=true\n",
        "    - --leader-elect=true\n    - --feature-gates=DRAResourcePoolStatus=true\n",
      ),
      "--feature-gates is set",
    ],
    [
      "cloud provider",
      DEFAULT.replace(
        "    - --leader-elect=true\n",
        "    - --leader-elect=true\n    - --cloud-provider=external\n",
      ),
      "--cloud-provider is set",
    ],
    [
      "other minor",
      DEFAULT.replace("kube-controller-manager:v1.37.2", "kube-controller-manager:v1.36.4"),
      "the list is kube-controller-manager v1.37's, the image is registry.k8s.io/kube-controller-manager:v1.36.4",
    ],
    [
      "no version",
      DEFAULT.replace("kube-controller-manager:v1.37.2", "kube-controller-manager:latest"),
      'the image "registry.k8s.io/kube-controller-manager:latest" names no version',
    ],
    ["not YAML", "spec: [", "the kube-controller-manager manifest is not YAML"],
    ["not a Pod", "{}", "--use-service-account-credentials is not true"],
  ];
  for (const [name, manifest, skip] of cases) {
    assertEquals(controllerAccountsPlan(manifest), { skip }, name);
  }
});

Deno.test("controller accounts: flags given as container args count too", () => {
  const args = DEFAULT.replace(
    "    - --use-service-account-credentials=true\n",
    "",
  ).replace(
    "    image: registry.k8s.io",
    "    args:\n    - --use-service-account-credentials=false\n    image: registry.k8s.io",
  );
  assertEquals(controllerAccountsPlan(args), {
    skip: "--use-service-account-credentials is not true",
  });
});
