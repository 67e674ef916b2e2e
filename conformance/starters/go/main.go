// A dw-conformance exec adapter for a new Go client: the starter.
//
// The harness runs this program once per case (fixture x adapter), writes one
// JSON request on stdin, and reads one JSON result from stdout. Out of the
// box the program does not use your client at all: it replays the fixture's
// canonical request (the exact HTTP request the fixture pins), so a first run
// over the whole corpus passes. Then, operation by operation, register a
// function in operations below that makes *your client* perform the
// operation; the harness judges whatever your client sends.
//
// Standard library only (Go 1.19+). Protocol: adapters/README.md of
// dw-conformance; operation by operation details: the handbook
// (dw-conformance handbook --out handbook).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"
)

const (
	controlPlaneVersion   = "2"
	workerProtocolVersion = "1.0"
	apiPrefix             = "/api"
)

// Config is how your client is configured for one case.
type Config struct {
	ServerURL      string
	Namespace      string
	Token          string
	TimeoutSeconds float64
}

// Context is what an operation function receives.
type Context struct {
	Config     Config
	Operation  string
	Semantic   map[string]any // the fixture's semantic_body: the operation's facts
	Projection map[string]any // your manifest's projection of the fixture (empty when absent)
	Fixture    map[string]any // the whole fixture document
}

// ---------------------------------------------------------------------------
// REPLACE: one entry per operation your client implements.
//
// Key: the operation id (the handbook's page title, e.g. "workflow.signal").
// Value: a function making YOUR client perform the operation. Return what your
// client returned (kept in the report) or its error. An operation without an
// entry is replayed by the starter itself, and its result says "replayed": true.
// ---------------------------------------------------------------------------
// While true, an operation without an entry is replayed by the starter (so it
// passes without your client). Set it to false once your client covers most
// operations: the others then report "skipped", and the matrix shows the truth.
const replayUnlisted = true

var operations = map[string]func(ctx Context) (any, error){
	// "workflow.signal": func(ctx Context) (any, error) {
	// 	client := myclient.New(ctx.Config.ServerURL, ctx.Config.Namespace, ctx.Config.Token)
	// 	return client.SignalWorkflow(ctx.Semantic["workflow_id"].(string), ctx.Semantic["signal_name"].(string), ctx.Semantic["input"])
	// },
}

// ---------------------------------------------------------------------------
// The starter's replay: the canonical request over plain HTTP.
// ---------------------------------------------------------------------------

type canonicalRequest struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   map[string][]string `json:"query"`
	HasBody bool                `json:"has_body"`
	Body    json.RawMessage     `json:"body"`
}

type execRequest struct {
	Operation        string            `json:"operation"`
	Fixture          map[string]any    `json:"fixture"`
	Projection       map[string]any    `json:"projection"`
	SemanticBody     map[string]any    `json:"semantic_body"`
	CanonicalRequest *canonicalRequest `json:"canonical_request"`
	ServerURL        string            `json:"server_url"`
	Namespace        string            `json:"namespace"`
	Token            string            `json:"token"`
	TimeoutSeconds   float64           `json:"timeout_seconds"`
	Drive            struct {
		Walk bool `json:"walk"`
	} `json:"drive"`
}

// fallbackCanonical is for an older harness without canonical_request: the fixture's own
// request, completed by the CLI projection's exact body and query where it has them.
func fallbackCanonical(raw []byte) (*canonicalRequest, error) {
	var document struct {
		Fixture struct {
			Request struct {
				Method string                     `json:"method"`
				Path   string                     `json:"path"`
				Query  map[string]json.RawMessage `json:"query"`
				Body   json.RawMessage            `json:"body"`
			} `json:"request"`
			CLI struct {
				ExpectedQuery map[string]json.RawMessage `json:"expected_query"`
				ExpectedBody  json.RawMessage            `json:"expected_body"`
			} `json:"cli"`
		} `json:"fixture"`
	}
	if err := json.Unmarshal(raw, &document); err != nil {
		return nil, err
	}
	declared := document.Fixture.Request
	canonical := &canonicalRequest{Method: declared.Method, Path: declared.Path, Query: map[string][]string{}}
	query := declared.Query
	if query == nil {
		query = document.Fixture.CLI.ExpectedQuery
	}
	for name, value := range query {
		var items []json.RawMessage
		if json.Unmarshal(value, &items) != nil {
			items = []json.RawMessage{value}
		}
		for _, item := range items {
			var text string
			if json.Unmarshal(item, &text) != nil {
				text = string(item) // numbers and booleans as written
			}
			canonical.Query[name] = append(canonical.Query[name], text)
		}
	}
	switch {
	case declared.Body != nil:
		canonical.HasBody, canonical.Body = true, declared.Body
	case document.Fixture.CLI.ExpectedBody != nil:
		canonical.HasBody, canonical.Body = true, document.Fixture.CLI.ExpectedBody
	}
	return canonical, nil
}

type starterHTTP struct {
	config Config
	client *http.Client
}

func (s starterHTTP) send(ctx context.Context, method, path string, query map[string][]string, body []byte) (int, any, error) {
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	sort.Strings(names) // Go maps are unordered; order of query parameters is not judged
	pairs := []string{}
	for _, name := range names {
		for _, value := range query[name] {
			pairs = append(pairs, url.QueryEscape(name)+"="+url.QueryEscape(value))
		}
	}
	target := strings.TrimRight(s.config.ServerURL, "/") + apiPrefix + path
	if len(pairs) > 0 {
		target += "?" + strings.Join(pairs, "&")
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	request, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return 0, nil, err
	}
	request.Header.Set("Accept", "application/json")
	request.Header.Set("Authorization", "Bearer "+s.config.Token)
	request.Header.Set("X-Namespace", s.config.Namespace)
	if strings.HasPrefix(path, "/worker/") {
		request.Header.Set("X-Durable-Workflow-Protocol-Version", workerProtocolVersion)
	} else {
		request.Header.Set("X-Durable-Workflow-Control-Plane-Version", controlPlaneVersion)
	}
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}
	response, err := s.client.Do(request)
	if err != nil {
		return 0, nil, err
	}
	defer response.Body.Close()
	raw, err := io.ReadAll(response.Body)
	if err != nil {
		return response.StatusCode, nil, err
	}
	var parsed any
	if len(raw) > 0 && json.Unmarshal(raw, &parsed) != nil {
		// an HTML page from a proxy is an error, never a result
		return response.StatusCode, nil, fmt.Errorf("%s %s answered %d with a body that is not JSON", method, path, response.StatusCode)
	}
	return response.StatusCode, parsed, nil
}

func replayCanonical(ctx Context, canonical *canonicalRequest) (any, error) {
	deadline, cancel := context.WithTimeout(context.Background(), time.Duration(ctx.Config.TimeoutSeconds*float64(time.Second)))
	defer cancel()
	starter := starterHTTP{config: ctx.Config, client: &http.Client{}}
	status, info, err := starter.send(deadline, "GET", "/cluster/info", nil, nil)
	if err != nil {
		return nil, err
	}
	version := ""
	if document, ok := info.(map[string]any); ok {
		if plane, ok := document["control_plane"].(map[string]any); ok {
			version = fmt.Sprint(plane["version"])
		}
	}
	if status != 200 || version != controlPlaneVersion {
		return nil, fmt.Errorf("incompatible server: cluster/info answered %d with control_plane.version %q", status, version)
	}
	var body []byte
	if canonical.HasBody {
		body = canonical.Body
		if body == nil {
			body = []byte("null")
		}
	}
	status, answer, err := starter.send(deadline, canonical.Method, canonical.Path, canonical.Query, body)
	if err != nil {
		return nil, err
	}
	if status < 200 || status >= 300 {
		return answer, fmt.Errorf("HTTP %s %s answered %d", canonical.Method, canonical.Path, status)
	}
	return answer, nil
}

func run(raw []byte) map[string]any {
	var request execRequest
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber() // keep 42 and 42.0 apart when your code passes fixture values on
	if err := decoder.Decode(&request); err != nil {
		return map[string]any{"status": "client_error", "error": "BadRequest: " + err.Error()}
	}
	semantic := request.SemanticBody
	if semantic == nil {
		semantic, _ = request.Fixture["semantic_body"].(map[string]any)
	}
	ctx := Context{
		Config:     Config{request.ServerURL, request.Namespace, request.Token, request.TimeoutSeconds},
		Operation:  request.Operation,
		Semantic:   semantic,
		Projection: request.Projection,
		Fixture:    request.Fixture,
	}
	var output any
	var err error
	replayed := false
	if request.Drive.Walk {
		// A walk: read every page to the end, report the items as "output". Not written yet.
		return map[string]any{"status": "skipped", "error": "walking every page of " + request.Operation + " is not implemented yet"}
	} else if handler, ok := operations[request.Operation]; ok {
		output, err = handler(ctx)
	} else if !replayUnlisted {
		return map[string]any{"status": "skipped", "error": request.Operation + " is not implemented by this client yet"}
	} else {
		// The starter's own replay says so ("replayed": true): the harness marks the case, and a run
		// with replayed cases reads "replayed", never "full", until your client does every operation.
		replayed = true
		canonical := request.CanonicalRequest
		if canonical == nil {
			canonical, err = fallbackCanonical(raw)
		}
		if err == nil {
			output, err = replayCanonical(ctx, canonical)
		}
	}
	result := map[string]any{"status": "completed", "output": output}
	if err != nil {
		result = map[string]any{"status": "client_error", "error": "ClientError: " + err.Error()}
	}
	if replayed {
		result["replayed"] = true
	}
	return result
}

func main() {
	raw, err := io.ReadAll(os.Stdin)
	result := map[string]any{"status": "client_error", "error": "ReadError: could not read stdin"}
	if err == nil {
		result = run(raw)
	}
	result["protocol_version"] = 1
	encoded, err := json.Marshal(result)
	if err != nil {
		encoded, _ = json.Marshal(map[string]any{"protocol_version": 1, "status": "completed", "output": fmt.Sprint(result["output"])})
	}
	fmt.Println(string(encoded))
}
