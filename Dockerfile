# Trợ lý OCOP in a container: a static binary (modernc.org/sqlite is pure
# Go, so CGO_ENABLED=0) on a base without a shell, run as a user without
# privileges. The database and files/ live in the /data volume.
#
#   docker build -t ocopbot .
#   docker run -d --name ocopbot --env-file ocopbot.env -v ocop-data:/data -p 127.0.0.1:8080:8080 ocopbot

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ocopbot ./cmd/ocopbot \
	&& mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ocopbot /usr/local/bin/ocopbot
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV DB_PATH=/data/ocop.db \
	HTTP_ADDR=:8080 \
	TZ=Asia/Ho_Chi_Minh
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/ocopbot"]
