# The two commands a newcomer needs:
#   make demo   plan and apply the example architecture against a local AWS emulator
#   make test   every test (installs real Terraform 1.0.3 and the emulator first if missing)
.PHONY: test demo tools

tools:
	tests/tools/install-terraform >/dev/null
	tests/tools/install-moto
	tests/tools/install-checkov >/dev/null

test: tools
	cargo test --workspace

demo:
	examples/demo.sh
