# syntax=docker/dockerfile:1
# The scheduler image: `phalanx run` (and the rest of the CLI) on a JRE, as a non-root user.
#
#   docker build -t ghcr.io/phalanx-dev/phalanx:0.1.0 .
#
# Stage 1 builds with the repository's own Maven wrapper on a JDK; stage 2 carries only the jar, its
# runtime libraries and a JRE.

FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY . .
# the Maven repository lives in a build cache, so a rebuild does not download it again
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -pl scheduler -am package -DskipTests \
 && mkdir -p /out \
 && cp scheduler/target/phalanx.jar /out/ \
 && cp -r scheduler/target/lib /out/lib

FROM eclipse-temurin:21-jre
LABEL org.opencontainers.image.title="phalanx" \
      org.opencontainers.image.description="Gang-aware batch scheduler for Kubernetes GPU clusters"
COPY --from=build /out/ /opt/phalanx/
# 65532: the conventional non-root user of distroless images; the chart runs as it too
USER 65532:65532
WORKDIR /tmp
EXPOSE 8080
ENV PHALANX_LOG_FORMAT=json \
    PHALANX_LOG_LEVEL=info
ENTRYPOINT ["java", "-Djava.awt.headless=true", "-jar", "/opt/phalanx/phalanx.jar"]
CMD ["run"]
