# syntax=docker/dockerfile:1
# nanoCocoa: one Node process (NestJS) with ONNX Runtime in-process and Chromium for text.
# Build:  docker build -t nanococoa .          (CPU)
#         docker build --build-arg ORT_INSTALL=cuda12 -t nanococoa:cuda .   (CUDA 12 EP)

FROM node:24-bookworm-slim AS build
WORKDIR /app
# skip: CPU binaries ship in the npm package; cuda12: fetch the CUDA execution provider.
ARG ORT_INSTALL=skip
ENV ONNXRUNTIME_NODE_INSTALL=${ORT_INSTALL}
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-nanum fontconfig tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production PORT=8000 HOST=0.0.0.0 DATA_DIR=/data MODELS_DIR=/models FONTS_DIR=/fonts CHROMIUM_PATH=/usr/bin/chromium
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY samples ./samples
COPY views ./views
COPY public ./public
# Non-root: the embedded PostgreSQL (used when DATABASE_URL is unset) also runs as this user.
RUN useradd --uid 10001 --create-home app && mkdir -p /data /models /fonts && chown app:app /data /models
USER app
VOLUME ["/data", "/models", "/fonts"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tini reaps Chromium's helper processes and forwards SIGTERM so jobs are re-queued cleanly.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
