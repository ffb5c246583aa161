package org.grouptherapy.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;

/**
 * Debian's nginx on loopback as the load balancer in front of several server instances: its own
 * configuration and files in one directory, in the foreground as a child of this JVM. Upstreams
 * change by rewriting the configuration and a reload (SIGHUP), as an operator would: the old
 * workers finish the requests they hold.
 */
final class Nginx implements AutoCloseable {

  private static final Path BINARY = Path.of("/usr/sbin/nginx");

  private final Path directory;
  private final int port;
  private final Process process;

  private Nginx(Path directory, int port, Process process) {
    this.directory = directory;
    this.port = port;
    this.process = process;
  }

  /** nginx balancing over these instance ports, listening on a free port of its own. */
  static Nginx start(Path directory, Collection<Integer> upstreams) throws Exception {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          "nginx is not installed (apt-get install -y nginx): the scale-out harness needs it");
    }
    Files.createDirectories(directory.resolve("temp"));
    int port = ServerProcess.freePort();
    write(directory, port, upstreams, Set.of());
    Process process =
        new ProcessBuilder(
                BINARY.toString(), "-p", directory.toString(), "-c", conf(directory).toString())
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("nginx.out").toFile())
            .start();
    Nginx nginx = new Nginx(directory, port, process);
    nginx.awaitListening();
    return nginx;
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * New upstreams; those in {@code drained} are marked {@code down} (no new requests go there,
   * requests it holds finish). Returns once the reload is asked for; nginx's new workers take new
   * connections from then on.
   */
  void upstreams(Collection<Integer> upstreams, Collection<Integer> drained) throws Exception {
    write(directory, port, upstreams, drained);
    Process reload =
        new ProcessBuilder(
                BINARY.toString(),
                "-p",
                directory.toString(),
                "-c",
                conf(directory).toString(),
                "-s",
                "reload")
            .redirectErrorStream(true)
            .start();
    String out = new String(reload.getInputStream().readAllBytes());
    if (reload.waitFor() != 0) {
      throw new IllegalStateException("nginx reload failed: " + out);
    }
  }

  private static Path conf(Path directory) {
    return directory.resolve("nginx.conf");
  }

  /**
   * Connect failures (an instance stopped or stopping refuses connections) and 503s of an instance
   * not ready yet go to the next instance; a POST that reached an instance is never sent twice (no
   * {@code non_idempotent}): it might have been written.
   */
  private static void write(
      Path directory, int port, Collection<Integer> upstreams, Collection<Integer> drained)
      throws IOException {
    StringBuilder servers = new StringBuilder();
    for (int upstream : upstreams) {
      servers
          .append("    server 127.0.0.1:")
          .append(upstream)
          .append(" max_fails=1 fail_timeout=3s")
          .append(drained.contains(upstream) ? " down" : "")
          .append(";\n");
    }
    String temp = directory.resolve("temp").toString();
    String conf =
        """
        daemon off;
        worker_processes 1;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 1024; }
        http {
          access_log off;
          # A reload closes idle client connections; a request a client sends on one at that
          # moment would fail in the client, not here. One connection per request avoids that race.
          keepalive_timeout 0;
          client_body_temp_path %2$s/body;
          proxy_temp_path %2$s/proxy;
          fastcgi_temp_path %2$s/fastcgi;
          uwsgi_temp_path %2$s/uwsgi;
          scgi_temp_path %2$s/scgi;
          upstream fhir {
        %3$s  }
          server {
            listen 127.0.0.1:%4$d;
            client_max_body_size 20m;
            location / {
              proxy_pass http://fhir;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_set_header Host $http_host;
              proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
              proxy_set_header X-Forwarded-Proto $scheme;
              proxy_next_upstream error timeout http_503;
              proxy_next_upstream_tries 3;
              proxy_connect_timeout 2s;
              proxy_read_timeout 120s;
            }
          }
        }
        """
            .formatted(directory, temp, servers, port);
    Files.writeString(conf(directory), conf);
  }

  private void awaitListening() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "nginx exited: " + Files.readString(directory.resolve("nginx.out")));
      }
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("nginx did not listen within 30 s");
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    process.waitFor();
  }
}
