# Build glue for `sam build` (template.yaml: every function has `Metadata: BuildMethod: makefile`).
#
# SAM runs `make build-<LogicalId>` once per function, with ARTIFACTS_DIR set, in the repo root
# (samconfig.toml sets build_in_source; without it SAM would copy the whole tree per function).
# All functions share one artifact, the functions module's Lambda jar (shaded, then shrunk by ProGuard as
# functions/lambda-jar.pro says; it includes the engine, the AWS adapters and the example task classes), so
# Maven runs at most once per `sam build`, and not at all when the jar is newer than every source, pom and the
# ProGuard configuration (as right after `mvn verify`).
#
# Lambda's java21 runtime puts lib/*.jar of the deployment package on the classpath.

MVN        ?= mvn
MVN_FLAGS  ?= -q -B
JAR        := functions/target/sluice-functions.jar
STAGED_JAR := target/sam/sluice-functions.jar
MODULES    := api statemachine examples infra functions
SOURCES    := pom.xml $(wildcard $(addsuffix /pom.xml,$(MODULES))) functions/lambda-jar.pro \
              $(shell find $(addsuffix /src/main,$(MODULES)) -type f 2>/dev/null)

# Logical ids of template.yaml's functions. scripts/check-template.sh fails if this list and the template differ.
FUNCTIONS := CoordinatorFunction CommandRunnerFunction \
             CheckSourcesFunction ExtractSalesforceFunction ExtractPostgresFunction ExtractApisFunction \
             LoadStagingFunction RunDbtModelsFunction QualityChecksFunction UpdateMetricsFunction \
             SendNotificationFunction

.PHONY: $(addprefix build-,$(FUNCTIONS)) functions-jar check-template list-functions

$(addprefix build-,$(FUNCTIONS)): $(STAGED_JAR)
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run this through 'sam build'" >&2; exit 2; }
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp -p $(STAGED_JAR) "$(ARTIFACTS_DIR)/lib/sluice-functions.jar"   # -p: identical zips, uploaded once

# skipTests (not maven.test.skip): the modules' test jars (test-scoped dependencies of infra and functions) must be
# built for the reactor to resolve, so test sources compile; no test runs.
# A jar that Maven already built from the current sources (say by `mvn verify`) is staged as it is.
$(JAR): $(SOURCES)
	$(MVN) $(MVN_FLAGS) -pl functions -am package -DskipTests

$(STAGED_JAR): $(JAR)
	mkdir -p $(dir $@)
	cp $(JAR) $@.tmp && mv $@.tmp $@

functions-jar: $(STAGED_JAR)

list-functions:
	@echo $(FUNCTIONS)

check-template:
	scripts/check-template.sh
