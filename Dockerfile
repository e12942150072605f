# The l2sw container image: one static binary on an empty base.
#   docker build -t l2sw .
# The entrypoint waits for the data interfaces eth1..ethN and runs them as
# GigabitEthernet0/1..0/N (l2sw container --help); eth0 is management.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/l2sw ./cmd/l2sw \
 && mkdir -p /out/run/l2sw /out/etc/l2sw /out/tmp && chmod 700 /out/run/l2sw && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /out/ /
ENV PATH=/
ENTRYPOINT ["/l2sw", "container"]
