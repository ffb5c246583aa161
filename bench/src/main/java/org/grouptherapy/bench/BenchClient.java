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
    return transact(resources, java.util.Map.of());
  }

  /** As above, with extra request headers. */
  List<String> transact(List<ObjectNode> resources, java.util.Map<String, String> headers)
      throws Exception {
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
    HttpResponse<String> response = post("", bundle, headers);
    check(response, "transaction");
    List<String> ids = new ArrayList<>();
    for (JsonNode entry : JSON.readTree(response.body()).path("entry")) {
      String location = entry.path("response").path("location").asText();
      String[] parts = location.split("/");
      ids.add(parts[0] + "/" + parts[1]);
    }
    return ids;
  }

  HttpResponse<String> post(String path, JsonNode body) throws Exception {
    return post(path, body, java.util.Map.of());
  }

  HttpResponse<String> post(String path, JsonNode body, java.util.Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + (path.isEmpty() ? "" : "/" + path)))
            .timeout(Duration.ofMinutes(10))
            .header("Content-Type", "application/fhir+json")
            .header("Accept", "application/fhir+json")
            .header("Prefer", "return=minimal");
    headers.forEach(request::header);
    return http.send(
        request.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
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

  /** A signed group consent of a kind, for members of bench groups. */
  static ObjectNode consent(String patient, String kind) {
    ObjectNode consent =
        JSON.createObjectNode().put("resourceType", "Consent").put("status", "active");
    consent
        .putObject("scope")
        .putArray("coding")
        .addObject()
        .put("system", "http://terminology.hl7.org/CodeSystem/consentscope")
        .put("code", "treatment");
    ArrayNode category = consent.putArray("category");
    category
        .addObject()
        .putArray("coding")
        .addObject()
        .put("system", "http://loinc.org")
        .put("code", "59284-0");
    category
        .addObject()
        .putArray("coding")
        .addObject()
        .put("system", "http://grouptherapy.example.org/fhir/CodeSystem/consent-kind")
        .put("code", kind);
    consent.putObject("patient").put("reference", patient);
    consent.put("dateTime", "2026-01-05T10:00:00Z");
    consent.putArray("policy").addObject().put("uri", "http://example.org/policies/" + kind);
    return consent;
  }

  static void check(HttpResponse<String> response, String what) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          what
              + " "
              + response.statusCode()
              + ": "
              + response.body().substring(0, Math.min(600, response.body().length())));
    }
  }

  /** Pages through a search; returns how many resources it read. */
  int readAll(String search) throws Exception {
    String next = search;
    int read = 0;
    while (next != null) {
      HttpResponse<String> response = get(next);
      check(response, search);
      JsonNode bundle = JSON.readTree(response.body());
      read += bundle.path("entry").size();
      next = null;
      for (JsonNode link : bundle.path("link")) {
        if ("next".equals(link.path("relation").asText())) {
          String url = link.path("url").asText();
          next = url.substring(url.indexOf("/fhir") + 5).replaceFirst("^/", "");
        }
      }
    }
    return read;
  }

  /**
   * A therapy Group (profile therapy-group): open enrolment, capacity, one primary facilitator, a
   * modality, the practice, members. Callers add extensions of their own to {@code extension}.
   */
  static ObjectNode therapyGroup(
      String name,
      String organization,
      String facilitator,
      String modality,
      int minimum,
      int maximum,
      List<String> members) {
    String sd = "http://grouptherapy.example.org/fhir/StructureDefinition/";
    ObjectNode group =
        JSON.createObjectNode()
            .put("resourceType", "Group")
            .put("type", "person")
            .put("actual", true)
            .put("active", true)
            .put("name", name);
    group.putObject("meta").putArray("profile").add(sd + "therapy-group");
    ArrayNode ext = group.putArray("extension");
    ext.addObject()
        .put("url", sd + "group-capacity")
        .putArray("extension")
        .add(JSON.createObjectNode().put("url", "minimum").put("valuePositiveInt", minimum))
        .add(JSON.createObjectNode().put("url", "maximum").put("valuePositiveInt", maximum));
    ext.addObject().put("url", sd + "group-enrolment-mode").put("valueCode", "open");
    ext.addObject()
        .put("url", sd + "group-facilitator")
        .putArray("extension")
        .add(
            JSON.createObjectNode()
                .put("url", "practitioner")
                .set("valueReference", JSON.createObjectNode().put("reference", facilitator)))
        .add(JSON.createObjectNode().put("url", "role").put("valueCode", "primary"));
    group
        .putObject("code")
        .putArray("coding")
        .addObject()
        .put("system", "http://grouptherapy.example.org/fhir/CodeSystem/group-modality")
        .put("code", modality);
    group.putObject("managingEntity").put("reference", organization);
    ArrayNode memberArray = group.putArray("member");
    members.forEach(m -> memberArray.addObject().putObject("entity").put("reference", m));
    return group;
  }
}
