package org.grouptherapy.fhir;

import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.math.BigDecimal;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * What a request's parameters may be: at most {@code app.fhir.max-search-parameters} of them
 * (repeats counted) and {@code app.fhir.max-search-values} values in all (each of a comma-separated
 * list counted), so that no single request can keep the database busy for minutes; and numbers,
 * quantities, dates and paging values that parse. Anything else is a 400 naming the parameter,
 * before the search runs. A malformed value HAPI still trips over deeper down is answered 400 too,
 * never 500.
 */
@Component
@Interceptor
class SearchBounds implements FhirRestInterceptor {

  private static final Pattern PREFIX = Pattern.compile("^(eq|ne|gt|lt|ge|le|sa|eb|ap)");
  private static final Set<String> INTEGERS = Set.of("_count", "_offset", "_getpagesoffset");

  private final AppProperties.Fhir settings;
  private final ObjectProvider<ISearchParamRegistry> registry;

  SearchBounds(AppProperties properties, ObjectProvider<ISearchParamRegistry> registry) {
    this.settings = properties.fhir();
    this.registry = registry;
  }

  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = -30)
  public void check(RequestDetails request) {
    Map<String, String[]> parameters = request.getParameters();
    if (parameters == null || parameters.isEmpty()) {
      return;
    }
    int occurrences = 0;
    int values = 0;
    for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
      occurrences += parameter.getValue().length;
      for (String value : parameter.getValue()) {
        values += value == null ? 0 : value.split(",", -1).length;
      }
    }
    if (occurrences > settings.maxSearchParameters()) {
      throw invalid(
          null,
          "The request has "
              + occurrences
              + " parameters; at most "
              + settings.maxSearchParameters()
              + " are allowed in one request: split the search");
    }
    if (values > settings.maxSearchValues()) {
      throw invalid(
          null,
          "The request has "
              + values
              + " parameter values; at most "
              + settings.maxSearchValues()
              + " are allowed in one request: split the search");
    }
    String type = request.getResourceName();
    for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
      wellFormed(type, parameter.getKey(), parameter.getValue());
    }
  }

  private void wellFormed(String type, String name, String[] values) {
    if (INTEGERS.contains(name)) {
      for (String value : values) {
        try {
          if (Integer.parseInt(value.strip()) < 0) {
            throw invalid(name, name + " must not be negative: " + value);
          }
        } catch (NumberFormatException e) {
          throw invalid(name, name + " must be a whole number, not \"" + value + "\"");
        }
      }
      return;
    }
    if (type == null || name.startsWith("_") || name.contains(".")) {
      return;
    }
    int colon = name.indexOf(':');
    String base = colon < 0 ? name : name.substring(0, colon);
    String modifier = colon < 0 ? null : name.substring(colon + 1);
    if ("missing".equals(modifier)) {
      return;
    }
    RuntimeSearchParam definition = registry.getObject().getActiveSearchParam(type, base);
    if (definition == null) {
      return;
    }
    RestSearchParameterTypeEnum kind = definition.getParamType();
    for (String value : values) {
      for (String one : value.split(",")) {
        String text = one.strip();
        if (text.isEmpty()) {
          continue;
        }
        switch (kind) {
          case NUMBER -> number(name, PREFIX.matcher(text).replaceFirst(""), text);
          case QUANTITY -> {
            String number = PREFIX.matcher(text).replaceFirst("");
            int bar = number.indexOf('|');
            number(name, bar < 0 ? number : number.substring(0, bar), text);
          }
          case DATE -> date(name, text);
          default -> {}
        }
      }
    }
  }

  private static void number(String name, String number, String value) {
    try {
      new BigDecimal(number.strip());
    } catch (NumberFormatException e) {
      throw invalid(
          name,
          "The search parameter "
              + name
              + " needs a number (optionally after a prefix such as ge), not \""
              + value
              + "\"");
    }
  }

  private static void date(String name, String value) {
    try {
      DateParam parsed = new DateParam(value);
      if (parsed.getValue() == null) {
        throw new DataFormatException("no date");
      }
    } catch (DataFormatException | IllegalArgumentException | DateTimeParseException e) {
      throw invalid(
          name,
          "The search parameter "
              + name
              + " needs a date such as 2026-12-01 or 2026-12-01T09:00:00Z (optionally after a"
              + " prefix such as ge), not \""
              + value
              + "\"");
    }
  }

  /**
   * A malformed value found only where HAPI parses it (a 500 with a parse error inside) is the
   * client's mistake: 400.
   */
  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException clientMistakes(RequestDetails request, Throwable exception) {
    if (!(exception instanceof InternalErrorException)) {
      return null;
    }
    for (Throwable cause = exception.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof NumberFormatException
          || cause instanceof DateTimeParseException
          || cause instanceof DataFormatException) {
        return invalid(
            null,
            "A parameter value is malformed and could not be read; check numbers, dates and"
                + " quantities in the request");
      }
    }
    return null;
  }

  private static InvalidRequestException invalid(String parameter, String text) {
    OperationOutcome outcome = new OperationOutcome();
    OperationOutcome.OperationOutcomeIssueComponent issue =
        outcome
            .addIssue()
            .setSeverity(OperationOutcome.IssueSeverity.ERROR)
            .setCode(
                parameter == null
                    ? OperationOutcome.IssueType.TOOCOSTLY
                    : OperationOutcome.IssueType.INVALID)
            .setDiagnostics(text);
    if (parameter != null) {
      issue.addExpression(parameter);
    }
    return new InvalidRequestException(text, outcome);
  }
}
