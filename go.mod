module github.com/golab/golab

go 1.26.0

require (
	github.com/pebbe/zmq4 v1.4.0
	github.com/traefik/yaegi v0.16.1
	github.com/yuin/goldmark v1.8.7
	golang.org/x/exp v0.0.0-20261120182113-8801fbdfac81
	golang.org/x/sync v0.25.0
)
