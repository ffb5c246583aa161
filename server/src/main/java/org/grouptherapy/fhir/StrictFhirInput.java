package org.grouptherapy.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;

/**
 * Refuses a request body that R4 forbids, with 400 naming the element, instead of storing what is
 * left of it as a default HAPI server does: JSON {@code null}s, empty strings, arrays and objects
 * (R4 JSON, 2.6.2: "empty values are not allowed"), and elements the resource does not have (in
 * JSON and XML). {@code app.fhir.strict-parsing=false} switches this off for legacy feeds.
 */
@Component
@Interceptor
class StrictFhirInput implements FhirRestInterceptor {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<RequestTypeEnum> WITH_BODY =
      EnumSet.of(RequestTypeEnum.POST, RequestTypeEnum.PUT, RequestTypeEnum.PATCH);

  private final FhirContext fhirContext;
  private final boolean enabled;

  StrictFhirInput(FhirContext fhirContext, AppProperties properties) {
    this.fhirContext = fhirContext;
    this.enabled = properties.fhir().strictParsing();
  }

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean check(RequestDetails request) {
    if (!enabled || !WITH_BODY.contains(request.getRequestType())) {
      return true;
    }
    EncodingEnum encoding = RestfulServerUtils.determineRequestEncodingNoDefault(request);
    if (encoding != EncodingEnum.JSON && encoding != EncodingEnum.XML) {
      return true;
    }
    byte[] body = request.loadRequestContents();
    if (body == null || body.length == 0) {
      return true;
    }
    String text = new String(body, StandardCharsets.UTF_8);
    if (encoding == EncodingEnum.JSON) {
      checkJson(text);
    }
    IParser parser =
        (encoding == EncodingEnum.JSON ? fhirContext.newJsonParser() : fhirContext.newXmlParser())
            .setParserErrorHandler(new StrictErrorHandler());
    try {
      parser.parseResource(text);
    } catch (DataFormatException e) {
      throw invalid(
          "The body is not valid FHIR R4: "
              + e.getMessage()
                  .replaceAll("HAPI-\\d+: ", "")
                  .replaceAll(
                      "DataFormatException at \\[\\[row,col [^]]*\\]: \\[(\\d+),(\\d+)\\]\\]: ",
                      "(line $1, column $2) ")
              + ". Send only elements R4 defines for this resource type.",
          null);
    }
    return true;
  }

  private static void checkJson(String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return; // not JSON at all: HAPI's parser says where
    }
    if (root == null || !root.isObject()) {
      return; // HAPI's parser names what it expected
    }
    String resourceType = root.path("resourceType").asText("Resource");
    walk(root, resourceType);
  }

  /** Depth-first, naming the first empty value by its FHIRPath-like location. */
  private static void walk(JsonNode node, String path) {
    if (node.isObject()) {
      if (node.isEmpty()) {
        throw empty(path, "an empty object {}");
      }
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        String name = field.getKey();
        JsonNode value = field.getValue();
        String child = path + "." + name;
        if (value.isArray()) {
          walkArray(node, name, value, child);
        } else {
          walkValue(value, child);
        }
      }
    }
  }

  /**
   * In an array of primitives, {@code null} holds the place of a value that has only an id or
   * extensions in the matching {@code _name} array (and the other way round): allowed there.
   */
  private static void walkArray(JsonNode parent, String name, JsonNode array, String path) {
    if (array.isEmpty()) {
      throw empty(path, "an empty array []");
    }
    String sibling = name.startsWith("_") ? name.substring(1) : "_" + name;
    boolean placeHolders = parent.has(sibling) && parent.get(sibling).isArray();
    int allNull = 0;
    for (int i = 0; i < array.size(); i++) {
      JsonNode item = array.get(i);
      if (item.isNull()) {
        allNull++;
        if (!placeHolders || parent.get(sibling).path(i).isNull()) {
          throw empty(path + "[" + i + "]", "null");
        }
        continue;
      }
      walkValue(item, path + "[" + i + "]");
    }
    if (allNull == array.size()) {
      throw empty(path, "an array of nulls");
    }
  }

  private static void walkValue(JsonNode value, String path) {
    if (value.isNull()) {
      throw empty(path, "null");
    }
    if (value.isTextual() && value.asText().isEmpty()) {
      throw empty(path, "an empty string");
    }
    if (value.isTextual() && value.asText().isBlank()) {
      throw empty(path, "a string of white space only");
    }
    if (value.isObject()) {
      walk(value, path);
    }
  }

  private static InvalidRequestException empty(String path, String what) {
    return invalid(
        path
            + " is "
            + what
            + ", which FHIR R4 JSON does not allow: leave the element out when it has no value.",
        path);
  }

  private static InvalidRequestException invalid(String message, String expression) {
    OperationOutcome outcome = new OperationOutcome();
    OperationOutcome.OperationOutcomeIssueComponent issue =
        Outcomes.error(outcome, OperationOutcome.IssueType.STRUCTURE, message);
    if (expression != null) {
      issue.addExpression(expression);
      issue.getLocation().add(new StringType(expression));
    }
    return new InvalidRequestException(message, outcome);
  }
}
