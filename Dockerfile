# syntax=docker/dockerfile:1
# The hahaha image: TypeScript compiled with the full Node 24 image, run on distroless Node 24
# (glibc and node only: no shell, no package manager) with the production dependencies only.
#
#   docker build -t ghcr.io/nais/hahaha:0.1.0 .
#   docker run --rm ghcr.io/nais/hahaha:0.1.0 --help
#
# scripts/production-layout.sh runs the same steps without Docker (CI has no Docker) and starts
# the server from the result.

ARG NODE_IMAGE=node:24-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# ---- build: compile src/ to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the only install script in the tree is the `node` devDependency's, which
# downloads a second Node 24 for npm scripts; this image already is Node 24.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY webhook-certs ./webhook-certs
RUN npm run build

# ---- deps: production dependencies only, in a stage of their own ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency has an install script (see package-lock.json's hasInstallScript).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ----
FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="hahaha" \
      org.opencontainers.image.description="Makes Kubernetes Jobs with sidecars finish: an admission webhook writes each sidecar's shutdown action into the pod, a controller carries it out when the main container is done." \
      org.opencontainers.image.source="https://github.com/nais/hahaha" \
      org.opencontainers.image.url="https://github.com/nais/hahaha" \
      org.opencontainers.image.documentation="https://github.com/nais/hahaha/blob/main/charts/hahaha/README.md" \
      org.opencontainers.image.vendor="nais" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs24-debian12:nonroot"
WORKDIR /app
ENV NODE_ENV=production
# Owned by root and read-only to the process: nothing under /app is written at run time, so the
# container runs with readOnlyRootFilesystem (the chart mounts an emptyDir on /tmp).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
# distroless' nonroot user, numerically, so that runAsNonRoot can check it without /etc/passwd.
USER 65532:65532
EXPOSE 8443 9090
# node is PID 1 and hahaha handles SIGTERM and SIGINT itself (stop accepting, drain, exit 0);
# no shell, no init wrapper in between. A young generation of 4 MiB semi-spaces instead of V8's
# up-to-16 keeps RSS small (npm run bench:memory); 2 MiB saved about 3 MiB more idle, but promoted
# so much of the webhook's short-lived garbage that under load beside 10,000 cached pods V8 ran
# 18 mark-compacts in 35 s, 7 of them over 10 ms, against 5 and 1 with 4 MiB (npm run bench:scale).
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=4", "/app/dist/src/cli/main.js"]
CMD ["serve"]
