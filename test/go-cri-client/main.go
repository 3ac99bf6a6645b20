// go-cri-client: a small CRI client in Go, built from rktlet's proto with Debian's protoc-gen-go
// and grpc-go, as kubelet and crictl are built from upstream's. Tests use it to check that Go
// clients decode rktlet's answers (wire compatibility), the way `crictl version` / `crictl info` do.
//
// Usage: go-cri-client -socket PATH COMMAND [ARG]
// Commands: version, info, runtime-config, pods, containers, images, pull REF, image-status REF,
//           unimplemented-check (calls a method the server may not implement and prints its code),
//           create-env POD KEY HEX (CreateContainer of busybox with one environment variable whose
//           value is the hex-decoded bytes; prints the container ID, or the status code and message)
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	runtime "rktlet.test/cri/runtime/v1"
)

func main() {
	socket := flag.String("socket", "/run/rktlet/rktlet.sock", "CRI socket path")
	authority := flag.String("authority", "localhost", "HTTP/2 :authority (grpc-go >= 1.34 sends \"localhost\" for unix targets)")
	timeout := flag.Duration("timeout", 2*time.Minute, "call timeout")
	flag.Parse()
	if flag.NArg() < 1 {
		fail("usage: go-cri-client -socket PATH COMMAND [ARG]")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	conn, err := grpc.DialContext(ctx, *socket, grpc.WithInsecure(), grpc.WithBlock(), grpc.WithAuthority(*authority),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", addr)
		}))
	if err != nil {
		fail("dial: %v", err)
	}
	defer conn.Close()
	rt := runtime.NewRuntimeServiceClient(conn)
	img := runtime.NewImageServiceClient(conn)
	arg := flag.Arg(1)

	var res interface{}
	switch flag.Arg(0) {
	case "version":
		res, err = rt.Version(ctx, &runtime.VersionRequest{Version: "v1"})
	case "info":
		res, err = rt.Status(ctx, &runtime.StatusRequest{Verbose: true})
	case "runtime-config":
		res, err = rt.RuntimeConfig(ctx, &runtime.RuntimeConfigRequest{})
	case "pods":
		res, err = rt.ListPodSandbox(ctx, &runtime.ListPodSandboxRequest{})
	case "containers":
		res, err = rt.ListContainers(ctx, &runtime.ListContainersRequest{})
	case "images":
		res, err = img.ListImages(ctx, &runtime.ListImagesRequest{})
	case "pull":
		res, err = img.PullImage(ctx, &runtime.PullImageRequest{Image: &runtime.ImageSpec{Image: arg}})
	case "image-status":
		res, err = img.ImageStatus(ctx, &runtime.ImageStatusRequest{Image: &runtime.ImageSpec{Image: arg}, Verbose: true})
	case "unimplemented-check":
		_, err = rt.CheckpointContainer(ctx, &runtime.CheckpointContainerRequest{ContainerId: "x"})
		res = map[string]string{"code": status.Code(err).String(), "message": status.Convert(err).Message()}
		err = nil
	case "create-env":
		// KeyValue.value is bytes (cri-api 1.36.2): Go sends any bytes, UTF-8 or not, as they are.
		value, herr := hex.DecodeString(flag.Arg(3))
		if herr != nil {
			fail("create-env: value must be hex: %v", herr)
		}
		var r *runtime.CreateContainerResponse
		r, err = rt.CreateContainer(ctx, &runtime.CreateContainerRequest{
			PodSandboxId: arg,
			Config: &runtime.ContainerConfig{
				Metadata: &runtime.ContainerMetadata{Name: "env"},
				Image:    &runtime.ImageSpec{Image: "busybox"},
				Envs:     []*runtime.KeyValue{{Key: flag.Arg(2), Value: value}},
			},
		})
		res = map[string]string{"code": status.Code(err).String(), "message": status.Convert(err).Message()}
		if err == nil {
			res = map[string]string{"code": "OK", "container_id": r.ContainerId}
		}
		err = nil
	default:
		fail("unknown command %q", flag.Arg(0))
	}
	if err != nil {
		st := status.Convert(err)
		fmt.Fprintf(os.Stderr, "%s: %s\n", st.Code(), st.Message())
		os.Exit(3)
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(out))
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", a...)
	os.Exit(2)
}
