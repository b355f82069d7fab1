# ssm container image: build with the Swift toolchain, run on a slim Debian with SoftHSM.
#
#   docker build -t ssm .        (podman: see scripts/container-test.sh for an offline build)
#   docker run -d -p 127.0.0.1:8443:8443 -e SSM_INIT_TOKEN=1 -v ssm-data:/var/lib/ssm \
#     -v "$PWD/pin:/run/secrets/ssm-pin:ro" ssm
#
# It serves HTTPS on 0.0.0.0:8443 and only to clients with a credential: on first start the
# entry point generates a CA, a server certificate and a client `admin` into the volume
# (/var/lib/ssm/credentials: ca.crt to trust, admin.token to send as a bearer token), unless
# tls.crt, tls.key and clients.yaml are already there (mount your own). README "Container".
#
# Environment (besides every SSM_* configuration variable):
#   SSM_PKCS11_PIN_FILE  file holding the PIN, default /run/secrets/ssm-pin (mount a secret
#                        there); SSM_PKCS11_PIN, with the PIN itself, wins over it
#   SSM_INIT_TOKEN=1     create the SoftHSM token (label SSM_PKCS11_TOKEN_LABEL) in
#                        SSM_TOKEN_DIR on first start; kept on later starts
#   SSM_CREDENTIALS_DIR  where tls.crt, tls.key and clients.yaml are (empty: the configuration
#                        file has its own tls: and clients:); SSM_GENERATE_CREDENTIALS=1
#                        generates them there when none exists; SSM_CERTIFICATE_NAMES
#                        adds names to the generated certificate ("DNS:ssm.example,IP:10.0.0.5")

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libp11-kit-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.swift names the test targets too: their folders must exist to resolve the package.
# The EmbedOpenAPIDocument plugin compiles docs/openapi.yaml into the server.
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY Plugins ./Plugins
COPY docs/openapi.yaml ./docs/openapi.yaml
RUN swift build -c release --product ssm --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/ssm" /out/ssm
# Without its debug information the binary is a fifth of its size.
RUN strip /out/ssm

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        softhsm2 p11-kit curl ca-certificates openssl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 ssm \
    && useradd --system --uid 10001 --gid ssm --home-dir /var/lib/ssm --no-create-home --shell /usr/sbin/nologin ssm \
    && install -d -m 0700 -o ssm -g ssm /var/lib/ssm
COPY --from=build /out/ssm /usr/local/bin/ssm
COPY scripts/container-entrypoint.sh /usr/local/bin/ssm-entrypoint
COPY config/ssm.production.yaml /etc/ssm/ssm.yaml

# The entry point listens on SSM_SERVER_ADDRESS, default 0.0.0.0:8443, for `serve` only: `ssm keys`
# run with `exec` listens nowhere and keeps the loopback default.
# A token's label, directory and PIN file's path: no secret (hadolint flags names with TOKEN or PIN).
# hadolint ignore=DL3064
ENV SSM_PKCS11_TOKEN_LABEL=ssm \
    SSM_PKCS11_PIN_FILE=/run/secrets/ssm-pin \
    SSM_TOKEN_DIR=/var/lib/ssm/softhsm \
    SSM_CREDENTIALS_DIR=/var/lib/ssm/credentials \
    SSM_GENERATE_CREDENTIALS=1 \
    SOFTHSM2_CONF=/var/lib/ssm/softhsm/softhsm2.conf \
    OPENSSL_CONF=/var/lib/ssm/softhsm/openssl.cnf

VOLUME ["/var/lib/ssm"]
USER 10001:10001
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["sh", "-c", "a=${SSM_SERVER_ADDRESS:-:8443}; curl -fsSk \"https://127.0.0.1:${a##*:}/health-check\" >/dev/null || exit 1"]
ENTRYPOINT ["/usr/local/bin/ssm-entrypoint"]
CMD ["serve", "--config", "/etc/ssm/ssm.yaml"]
