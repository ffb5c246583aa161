package org.grouptherapy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** FHIR over plain HTTP for the benchmarks: creates, transactions, posts and reads as JSON. */
final class BenchClient {

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;

  BenchClient(String base) {
    this.base = base;
  }

  String create(String type, ObjectNode resource) throws Exception {
    resource.put("resourceType", type);
    HttpResponse<String> response = post(type, resource);
    if (response.statusCode() != 201) {
      throw new IllegalStateException(type + " " + response.statusCode() + ": " + response.body());
    }
    String location = response.headers().firstValue("Location").orElseThrow();
    String[] parts = location.substring(location.indexOf("/fhir/") + 6).split("/");
    return parts[0] + "/" + parts[1];
  }

  /** Creates the resources in one transaction; returns their ids in order. */
  List<String> transact(List<ObjectNode> resources) throws Exception {
    ObjectNode bundle =
        JSON.createObjectNode().put("resourceType", "Bundle").put("type", "transaction");
    ArrayNode entries = bundle.putArray("entry");
    for (ObjectNode resource : resources) {
      entries
          .addObject()
          .<ObjectNode>set("resource", resource)
          .putObject("request")
          .put("method", "POST")
          .put("url", resource.path("resourceType").asText());
    }
    HttpResponse<String> response = post("", bundle);
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "transaction "
              + response.statusCode()
              + ": "
              + response.body().substring(0, Math.min(600, response.body().length())));
    }
    List<String> ids = new ArrayList<>();
    for (JsonNode entry : JSON.readTree(response.body()).path("entry")) {
      String location = entry.path("response").path("location").asText();
      String[] parts = location.split("/");
      ids.add(parts[0] + "/" + parts[1]);
    }
    return ids;
  }

  HttpResponse<String> post(String path, JsonNode body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + (path.isEmpty() ? "" : "/" + path)))
            .timeout(Duration.ofMinutes(10))
            .header("Content-Type", "application/fhir+json")
            .header("Accept", "application/fhir+json")
            .header("Prefer", "return=minimal")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/" + path))
            .timeout(Duration.ofMinutes(2))
            .header("Accept", "application/fhir+json")
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
