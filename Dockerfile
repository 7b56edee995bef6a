# syntax=docker/dockerfile:1
# Meterbridge: one image for API processes (`pnpm start`) and collection workers (`meterbridge worker`).
# Node 24 runs the TypeScript sources directly (type stripping): there is no compile step, only the install.

# --- build: production dependencies, with a compiler for better-sqlite3 should no prebuilt binary fit ---
FROM node:24-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@10
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile --prod

# --- runtime: the sources and their node_modules, run as the unprivileged `node` user ---
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METERBRIDGE_LOG_FORMAT=json
WORKDIR /app
COPY --from=build --chown=node:node /app /app
# SQLite (when DATABASE_URL is not PostgreSQL) and a generated key live under /app/data: a volume.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Graceful shutdown on SIGTERM (METERBRIDGE_SHUTDOWN_TIMEOUT_MS); node runs as PID 1 directly, no shell in between.
STOPSIGNAL SIGTERM
CMD ["node", "apps/api/src/main.node.ts"]
