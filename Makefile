# runkeyhunt — `make help` lists the targets.
GO        ?= go
BIN       := bin/runkeyhunt
# One version for the binary, the packages and osquery_extensions (packaging/version.sh).
VERSION   ?= $(shell packaging/version.sh 2>/dev/null || echo 0.0.0-dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE      ?= $(shell git log -1 --format=%cI 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
FUZZTIME  ?= 5s

.PHONY: help build windows demo report-demo test reliability wine-test package package-test vet fuzz bench readme clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

build: ## build bin/runkeyhunt
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -ldflags '$(LDFLAGS)' -o $(BIN) ./extension

windows: ## build bin/runkeyhunt.exe (Windows amd64)
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -buildvcs=false -ldflags '$(LDFLAGS)' -o $(BIN).exe ./extension

demo: build ## run both tables on the bundled example host (examples/demo) and show what they find
	@echo '== run_key_payloads: every autorun of the example host (benign ones stay benign) =='
	$(BIN) query --source examples/demo "SELECT verdict, score, scope, location, name, payload_kind, indicators FROM run_key_payloads ORDER BY score DESC"
	@echo
	@echo '== run_key_payloads: the malicious rows, with their decoded payloads =='
	$(BIN) query --source examples/demo --format json "SELECT path, data, payload_path, payload_encoding, verdict, score, indicators, substr(payload_preview, 1, 300) AS payload_preview FROM run_key_payloads WHERE verdict = 'malicious'"
	@echo
	@echo '== sysmon_reg_net_chain: registry writes of autoruns and payloads, with the writer'"'"'s network activity =='
	$(BIN) query --source examples/demo "SELECT c.datetime, c.role, c.record_id, c.linked_record_id, c.net_before, c.net_after, c.remote_addresses, c.verdict, r.name AS autorun FROM sysmon_reg_net_chain c LEFT JOIN run_key_payloads r USING (path) ORDER BY c.time"

test: vet ## gofmt, go vet, all tests, and each fuzz target briefly (FUZZTIME=5s)
	$(GO) test -count=1 ./...
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

reliability: ## hostile-input suite (generated inputs): outcome, time ratio, peak RSS per case; fails on a crash or a hang
	scripts/reliability.sh

wine-test: ## Windows test binaries, runkeyhunt.exe query and the live/.reg benchmark under Wine
	scripts/wine/test.sh

package: ## dist/: MSI, deb, rpm, both binaries, SHA256SUMS (reproducible; signed when RKH_SIGN_* are set)
	VERSION='$(VERSION)' COMMIT='$(COMMIT)' DATE='$(DATE)' packaging/package.sh

package-test: ## check dist/ and install it: dpkg, rpm --root, the MSI under Wine (upgrade, uninstall), signing, reproducible rebuild
	packaging/test.sh

vet: ## gofmt and go vet (Linux and Windows builds)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...

fuzz: ## run every fuzz target for FUZZTIME (default 5s) each
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

bench: build ## Go benchmarks; chain query on EVTX, NXLog and ECS JSON lines, event XML, 1 and 2 cores, vs cat, evtxexport, Velocidex, fastjson, jq, encoding/xml, grep (BENCH_SIZE, 1 GiB); fleet report vs jq
	$(GO) test -run '^$$' -bench . -benchmem ./tables/... ./fleet/...
	scripts/bench.sh
	BIN=$(BIN) fleet/bench.sh

report-demo: build ## render the fleet report of the fixtures and of a generated 10,000-host fleet, screenshot both at 1400 and 900 px in headless chromium (dist/)
	@command -v chromium >/dev/null || { echo "report-demo needs chromium (apt-get install chromium)"; exit 1; }
	mkdir -p dist
	$(BIN) fleet report --format html --output dist/report-demo.html fleet/report/testdata/logs
	RKH_SCREENSHOT=$(CURDIR)/dist/report-demo.png $(GO) test -count=1 -run '^TestHTMLInChromium(Fleet)?$$' -v ./fleet/report

readme: ## regenerate the README's schema and indicator sections from the declarations
	$(GO) test ./extension -run TestREADMEIsCurrent -update

clean: ## remove build outputs
	rm -rf bin dist
