package org.grouptherapy.support;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;

/** Real HTTP against the running server: raw requests for exact status codes, or HAPI's client. */
public final class FhirHttp {

  public static final String FHIR_JSON = "application/fhir+json";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String root;
  private final FhirContext fhirContext;
  private final Supplier<String> token;

  /**
   * A client with a system token of the demo command-line client ({@code system/*.cruds}), renewed
   * before it expires.
   */
  public FhirHttp(int port, FhirContext fhirContext) {
    this(port, fhirContext, () -> new SmartAuth(port).clientToken("system/*.cruds"));
  }

  /** A client that sends the given bearer token, or none when it is null. */
  public FhirHttp(int port, FhirContext fhirContext, String token) {
    this(port, fhirContext, () -> token);
  }

  private FhirHttp(int port, FhirContext fhirContext, Supplier<String> token) {
    this.root = "http://localhost:" + port;
    this.fhirContext = fhirContext;
    this.token = token;
  }

  public FhirHttp withToken(String otherToken) {
    return new FhirHttp(
        Integer.parseInt(root.substring(root.lastIndexOf(':') + 1)), fhirContext, otherToken);
  }

  public String base() {
    return root + "/fhir";
  }

  public Response get(String path) {
    return send(request(path).GET(), Map.of());
  }

  public Response get(String path, Map<String, String> headers) {
    return send(request(path).GET(), headers);
  }

  public Response post(String path, String body) {
    return post(path, body, FHIR_JSON, Map.of());
  }

  public Response post(String path, String body, String contentType, Map<String, String> headers) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put("Content-Type", contentType);
    return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)), all);
  }

  public Response post(String path, IBaseResource resource) {
    return post(path, encode(resource));
  }

  /** Creates the resource and returns its versionless reference, e.g. {@code Group/123}. */
  public String create(String type, IBaseResource resource) {
    Response response = post(type, resource);
    if (response.status() != 201) {
      throw new AssertionError("Expected 201 Created but got " + response);
    }
    IdType id = new IdType(response.header("Location").orElseThrow());
    return id.getResourceType() + "/" + id.getIdPart();
  }

  public Response put(String path, IBaseResource resource) {
    return send(
        request(path).PUT(HttpRequest.BodyPublishers.ofString(encode(resource))),
        Map.of("Content-Type", FHIR_JSON));
  }

  public Response patch(String path, String body, String contentType) {
    return send(
        request(path).method("PATCH", HttpRequest.BodyPublishers.ofString(body)),
        Map.of("Content-Type", contentType));
  }

  public Response delete(String path) {
    return send(request(path).DELETE(), Map.of());
  }

  public Response send(HttpRequest.Builder builder, Map<String, String> headers) {
    headers.forEach(builder::setHeader);
    try {
      HttpResponse<String> response =
          http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response, fhirContext);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpRequest.Builder request(String path) {
    String url =
        path.startsWith("http") ? path : path.startsWith("/") ? root + path : base() + "/" + path;
    // Token searches (system|code) are written plainly in tests; "|" must be encoded on the wire.
    url = url.replace("|", "%7C");
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(url)).timeout(Waits.PATIENCE).header("Accept", FHIR_JSON);
    String bearer = token.get();
    if (bearer != null) {
      builder.header("Authorization", "Bearer " + bearer);
    }
    return builder;
  }

  public String encode(IBaseResource resource) {
    return fhirContext.newJsonParser().encodeResourceToString(resource);
  }

  /** A response with its body parsed on demand. */
  public record Response(HttpResponse<String> raw, FhirContext fhirContext) {

    public int status() {
      return raw.statusCode();
    }

    public String body() {
      return raw.body();
    }

    public Optional<String> header(String name) {
      return raw.headers().firstValue(name);
    }

    public <T extends IBaseResource> T resource(Class<T> type) {
      try {
        return fhirContext.newJsonParser().parseResource(type, raw.body());
      } catch (RuntimeException e) {
        throw new AssertionError("Expected a " + type.getSimpleName() + " but got " + this, e);
      }
    }

    public OperationOutcome outcome() {
      return resource(OperationOutcome.class);
    }

    /** Every diagnostics text of the OperationOutcome, joined, for assertions on the message. */
    public String diagnostics() {
      StringBuilder all = new StringBuilder();
      outcome().getIssue().forEach(issue -> all.append(issue.getDiagnostics()).append('\n'));
      return all.toString();
    }

    @Override
    public String toString() {
      return status() + " " + body();
    }
  }
}
