package otlp

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// The content types of OTLP/HTTP.
const (
	ContentProtobuf = "application/x-protobuf"
	ContentJSON     = "application/json"
)

// MaxBodyBytes bounds a request body after decompression: the Collector's
// own default is 20 MiB, an SDK batch of 512 spans is a few hundred KiB.
const MaxBodyBytes = 16 << 20

// maxNesting bounds how deeply attribute values (kvlists of arrays of …)
// may nest: the usage of a span needs only strings at the top.
const maxNesting = 64

// DecodeError is a body that cannot be read as an OTLP trace export: the
// server answers 400 (415 when Unsupported), and the exporter does not
// retry.
type DecodeError struct {
	// Unsupported is set for a content type or encoding OTLP/HTTP does not
	// use.
	Unsupported bool
	Msg         string
}

func (e *DecodeError) Error() string { return e.Msg }

func decodeErrorf(format string, args ...any) error {
	return &DecodeError{Msg: fmt.Sprintf(format, args...)}
}

// MediaType returns the OTLP content type a Content-Type header names:
// ContentProtobuf or ContentJSON, or a DecodeError.
func MediaType(contentType string) (string, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return "", &DecodeError{Unsupported: true, Msg: fmt.Sprintf("Content-Type %q is not a media type; send application/x-protobuf or application/json", contentType)}
	}
	switch mt {
	case ContentProtobuf, ContentJSON:
		return mt, nil
	}
	return "", &DecodeError{Unsupported: true, Msg: fmt.Sprintf("Content-Type %q is not an OTLP/HTTP encoding; send application/x-protobuf or application/json", contentType)}
}

// Decode reads an OTLP/HTTP trace export. mediaType is what MediaType
// returned; encoding is the Content-Encoding header ("" or "gzip"). The
// body is read up to MaxBodyBytes after decompression; beyond that, or for
// anything that is not a valid export, it returns a DecodeError.
func Decode(body io.Reader, mediaType, encoding string) (*coltracepb.ExportTraceServiceRequest, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, decodeErrorf("the body is not gzip, as Content-Encoding says: %v", err)
		}
		defer zr.Close()
		body = zr
	default:
		return nil, &DecodeError{Unsupported: true, Msg: fmt.Sprintf("Content-Encoding %q is not supported; send gzip or nothing", encoding)}
	}
	data, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, decodeErrorf("the request body is larger than the %d bytes allowed; send smaller batches", tooBig.Limit)
		}
		return nil, decodeErrorf("read the body: %v", err)
	}
	if len(data) > MaxBodyBytes {
		return nil, decodeErrorf("the trace export is more than %d bytes once decompressed; send smaller batches", MaxBodyBytes)
	}
	req := &coltracepb.ExportTraceServiceRequest{}
	switch mediaType {
	case ContentProtobuf:
		if err := (proto.UnmarshalOptions{RecursionLimit: maxNesting}).Unmarshal(data, req); err != nil {
			return nil, decodeErrorf("the body is not a protobuf ExportTraceServiceRequest: %v", err)
		}
	case ContentJSON:
		fixed, err := hexIDsToBase64(data)
		if err != nil {
			return nil, err
		}
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true, RecursionLimit: maxNesting}).Unmarshal(fixed, req); err != nil {
			return nil, decodeErrorf("the body is not an OTLP/JSON ExportTraceServiceRequest: %v", err)
		}
	default:
		return nil, &DecodeError{Unsupported: true, Msg: fmt.Sprintf("media type %q is not an OTLP/HTTP encoding", mediaType)}
	}
	return req, nil
}

// idKeys are the fields OTLP/JSON writes as hex where protobuf's JSON
// mapping would write base64, in both spellings protojson accepts.
var idKeys = map[string]bool{
	"traceId": true, "spanId": true, "parentSpanId": true,
	"trace_id": true, "span_id": true, "parent_span_id": true,
}

// hexIDsToBase64 rewrites the hex ids of spans and links as base64, so that
// protojson reads OTLP/JSON. It walks the document generically, since ids
// sit at two depths (spans, their links).
func hexIDsToBase64(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, decodeErrorf("the body is not JSON: %v", err)
	}
	if dec.More() {
		return nil, decodeErrorf("the body has data after its JSON document")
	}
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		if depth > 2*maxNesting {
			return decodeErrorf("the JSON document nests deeper than %d levels", 2*maxNesting)
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && idKeys[k] {
					b, err := hex.DecodeString(s)
					if err != nil {
						return decodeErrorf("%s %q is not hex, as OTLP/JSON writes ids", k, s)
					}
					x[k] = base64.StdEncoding.EncodeToString(b)
					continue
				}
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range x {
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(doc, 0); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}
