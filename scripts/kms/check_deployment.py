"""Offline checks of the KMS plugin's deployment files (scripts/check-ops.sh runs it).

    python3 check_deployment.py deploy/kubernetes/kms-plugin

- encryption-configuration.yaml has the shape of kube-apiserver's EncryptionConfiguration
  (apiserver.config.k8s.io/v1): only known fields, one provider type per entry, a KMS v2
  provider with a name, a unix:// endpoint and a duration timeout, identity (if any) last;
- its endpoint is ssm.yaml's kms.socket;
- the static pod (ssm-kms.yaml) mounts the socket's directory from the same host path at the
  same path, and reads ssm.yaml from where it says.
Prints nothing and exits 0 when all hold; otherwise prints each problem and exits 1.
"""
import os
import re
import sys

import yaml

PROVIDERS = {"kms", "identity", "aescbc", "aesgcm", "secretbox"}
KMS_FIELDS = {"apiVersion", "name", "endpoint", "timeout", "cachesize"}
DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")


def check(directory):
    problems = []

    def load(name):
        with open(os.path.join(directory, name), encoding="utf-8") as file:
            return yaml.safe_load(file)

    config = load("encryption-configuration.yaml")
    ssm = load("ssm.yaml")
    pod = load("ssm-kms.yaml")

    if config.get("apiVersion") != "apiserver.config.k8s.io/v1" or config.get("kind") != "EncryptionConfiguration":
        problems.append("encryption-configuration.yaml: not an apiserver.config.k8s.io/v1 EncryptionConfiguration")
    unknown = set(config) - {"apiVersion", "kind", "resources"}
    if unknown:
        problems.append(f"encryption-configuration.yaml: unknown fields {sorted(unknown)}")
    endpoints = []
    for index, entry in enumerate(config.get("resources") or []):
        where = f"resources[{index}]"
        if set(entry) - {"resources", "providers"}:
            problems.append(f"{where}: unknown fields {sorted(set(entry) - {'resources', 'providers'})}")
        if not entry.get("resources") or not all(isinstance(r, str) and r for r in entry["resources"]):
            problems.append(f"{where}.resources: a list of resource names is required")
        providers = entry.get("providers") or []
        if not providers:
            problems.append(f"{where}.providers: at least one provider is required")
        for position, provider in enumerate(providers):
            here = f"{where}.providers[{position}]"
            if not isinstance(provider, dict) or len(provider) != 1 or not set(provider) <= PROVIDERS:
                problems.append(f"{here}: exactly one of {sorted(PROVIDERS)}")
                continue
            (kind, settings), = provider.items()
            if kind == "identity":
                if settings not in ({}, None):
                    problems.append(f"{here}.identity: takes no settings")
                if position != len(providers) - 1:
                    problems.append(f"{here}: identity must be last (it would write plaintext)")
            if kind == "kms":
                if set(settings) - KMS_FIELDS:
                    problems.append(f"{here}.kms: unknown fields {sorted(set(settings) - KMS_FIELDS)}")
                if settings.get("apiVersion") != "v2":
                    problems.append(f"{here}.kms.apiVersion: must be v2")
                if not settings.get("name"):
                    problems.append(f"{here}.kms.name: required")
                if "cachesize" in settings:
                    problems.append(f"{here}.kms.cachesize: KMS v1 only")
                endpoint = str(settings.get("endpoint", ""))
                if not endpoint.startswith("unix:///"):
                    problems.append(f"{here}.kms.endpoint: must be unix:///absolute/path, got {endpoint!r}")
                else:
                    endpoints.append(endpoint[len("unix://"):])
                if "timeout" in settings and not DURATION.match(str(settings["timeout"])):
                    problems.append(f"{here}.kms.timeout: not a duration: {settings['timeout']!r}")
    if not endpoints:
        problems.append("encryption-configuration.yaml: no kms provider")

    socket = (ssm.get("kms") or {}).get("socket")
    for endpoint in endpoints:
        if endpoint != socket:
            problems.append(f"the kms endpoint {endpoint} is not ssm.yaml's kms.socket {socket}")
    if socket:
        directory_of_socket = os.path.dirname(socket)
        volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
        container = pod["spec"]["containers"][0]
        mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
        mount = mounts.get(directory_of_socket)
        host_path = volumes.get(mount["name"], {}).get("hostPath", {}).get("path") if mount else None
        if host_path != directory_of_socket:
            problems.append(
                f"ssm-kms.yaml: the socket directory {directory_of_socket} must be mounted from the same host path "
                f"(kube-apiserver dials that path), got {host_path}")
        if mount and mount.get("readOnly"):
            problems.append(f"ssm-kms.yaml: {directory_of_socket} must be writable")
        arguments = container.get("args", [])
        config_path = arguments[arguments.index("--config") + 1] if "--config" in arguments else None
        if not config_path or not any(config_path.startswith(path + "/") for path in mounts):
            problems.append(f"ssm-kms.yaml: --config {config_path} is not on a mounted volume")
    return problems


if __name__ == "__main__":
    found = check(sys.argv[1])
    for problem in found:
        print(problem)
    sys.exit(1 if found else 0)
