# syntax=docker/dockerfile:1
# nanoCocoa: one Node process (NestJS) with ONNX Runtime in-process and Chromium for text.
# Build:  docker build -t nanococoa .          (CPU)
#         docker build --build-arg ORT_INSTALL=cuda12 -t nanococoa:cuda .   (CUDA 12 EP)
# scripts/check-image.sh builds this file and runs an ad and a decomposition through the image.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node's postinstall would fetch CUDA binaries: package.json's allowScripts denies it
# and ONNXRUNTIME_NODE_INSTALL=skip covers an npm without allowScripts. The CPU binaries ship in
# the package; cuda12 runs its installer on purpose to fetch the CUDA execution provider.
ARG ORT_INSTALL=skip
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error \
 && if [ "$ORT_INSTALL" != skip ]; then ONNXRUNTIME_NODE_INSTALL="$ORT_INSTALL" node node_modules/onnxruntime-node/script/install.js; fi
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# tsconfig.build.json compiles src/ only: bench/ and test/ never reach the image.
RUN npm run build \
 && npm prune --omit=dev --loglevel=error \
 && rm -rf dist/.tsbuildinfo* \
 # onnxruntime-node carries every platform's binaries; keep this one's.
 && find node_modules/onnxruntime-node/bin/napi-v6 -mindepth 2 -maxdepth 2 -type d ! -path "*/linux/$(node -p "process.arch")" -exec rm -rf {} + \
 && find dist -name '*.map' -delete \
 # transformers' Node build runs on onnxruntime-node; the web runtime is 143 MB of browser WASM.
 && rm -rf node_modules/onnxruntime-web

FROM node:24-bookworm-slim AS runtime
# Chromium renders the copy, fonts-nanum draws Hangul, tesseract reads decomposed posters' text,
# tini reaps Chromium's helpers and forwards SIGTERM so running jobs are re-queued cleanly.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-nanum fontconfig tini ca-certificates tesseract-ocr tesseract-ocr-kor \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*
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
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
