# syntax=docker/dockerfile:1
# The gateway's image: docs/deployment.md. tests/deploy/runtime-image.test.ts replays the runtime
# stage without Docker (a directory holding exactly what it copies, started as CMD starts it).

# Node.js 24: the gateway needs >= 22.14 (better-sqlite3 13 needs Node-API 10) and every entry
# point refuses an older Node with a message (gateway/runtime/node-floor.ts).

# --- build: the toolchain better-sqlite3 compiles with when no prebuilt binary fits ---
FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts off for the install (the project's `prepare` needs the sources, copied below), then
# better-sqlite3's own install script: its prebuilt binary, or a build with the toolchain above.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: production dependencies and the build only (runtime-files.json "image") ---
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    GATEWAY_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/var/lib/gateway \
    CERTS_DIR=/etc/gateway/certs \
    PARTNERS_DIR=/app/dist/partners
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/gateway ./dist/gateway
COPY --from=build /src/dist/schemas ./dist/schemas
COPY --from=build /src/dist/openapi.yaml ./dist/openapi.yaml
COPY --from=build /src/dist/partners ./dist/partners
COPY --from=build /src/dist/pages ./dist/pages
# The code is root's and read-only to the gateway; it writes only to the two volumes. Run the
# container with a read-only root filesystem (docker run --read-only, Kubernetes
# readOnlyRootFilesystem): nothing else is written.
RUN mkdir -p /var/lib/gateway /etc/gateway/certs && chown node:node /var/lib/gateway /etc/gateway/certs
VOLUME ["/var/lib/gateway", "/etc/gateway/certs"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["node", "dist/gateway/cli/healthcheck.js"]
# node itself as PID 1's child-free process, not npm: SIGTERM reaches the gateway, which drains.
CMD ["node", "dist/gateway/main.js"]
