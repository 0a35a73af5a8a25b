# Multi-stage build of the single `leadgen` binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# SQL is checked against the committed .sqlx/ query data; no database at build time.
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked && strip target/release/leadgen

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/leadgen /usr/local/bin/leadgen
USER nobody
ENTRYPOINT ["leadgen"]
