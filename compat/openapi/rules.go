package openapi

import "github.com/contractgate/contracts/compat"

// Rules is the explicit list of OpenAPI rules, one value per rule. Schema
// constraints come in four rules each: a request that accepts less
// (REQUEST_*_NARROWED) breaks clients, a response that may send more
// (RESPONSE_*_WIDENED) breaks them, since a reader must accept all the
// writer can send (unless the consumer tolerates the rule's class), and the
// other two sides are safe and reported as info. Ids never change.
var Rules = []compat.Rule{
	{ID: "OPERATION_REMOVED", Severity: compat.Breaking, Doc: "An operation (or its whole path) was removed, so clients calling it get 404 or 405."},
	{ID: "OPERATION_ADDED", Severity: compat.Info, Doc: "A new operation was added; no existing client calls it, so nobody is hurt."},
	{ID: "OPERATION_DEPRECATED", Severity: compat.Info, Doc: "An operation was marked deprecated; it still works, but clients should plan to move off it."},
	{ID: "PARAMETER_REQUIRED_ADDED", Severity: compat.Breaking, Doc: "A new required parameter was added, so requests of existing clients that lack it are refused."},
	{ID: "PARAMETER_OPTIONAL_ADDED", Severity: compat.Info, Doc: "A new optional parameter was added; requests without it are still accepted."},
	{ID: "PARAMETER_REMOVED", Severity: compat.Warning, Doc: "A parameter was removed; clients still sending it may see it ignored or refused."},
	{ID: "PARAMETER_MADE_REQUIRED", Severity: compat.Breaking, Doc: "An optional parameter became required, so clients that leave it out are refused."},
	{ID: "PARAMETER_MADE_OPTIONAL", Severity: compat.Info, Doc: "A required parameter became optional; every request that was valid still is."},
	{ID: "PARAMETER_LOCATION_CHANGED", Severity: compat.Breaking, Doc: "A parameter moved to another location (query, header, path, cookie), so clients send it where the provider no longer looks."},
	{ID: "PARAMETER_STYLE_CHANGED", Severity: compat.Breaking, Doc: "A parameter's serialization (style or explode) changed, so the provider parses what clients send differently."},
	{ID: "REQUEST_BODY_REQUIRED_ADDED", Severity: compat.Breaking, Doc: "A required request body was added, so requests of existing clients without a body are refused."},
	{ID: "REQUEST_BODY_OPTIONAL_ADDED", Severity: compat.Info, Doc: "An optional request body was added; requests without one are still accepted."},
	{ID: "REQUEST_BODY_REMOVED", Severity: compat.Warning, Doc: "The request body was removed; clients still sending one may see it ignored or refused."},
	{ID: "REQUEST_BODY_MADE_REQUIRED", Severity: compat.Breaking, Doc: "An optional request body became required, so clients that send none are refused."},
	{ID: "REQUEST_BODY_MADE_OPTIONAL", Severity: compat.Info, Doc: "A required request body became optional; every request that was valid still is."},
	{ID: "REQUEST_MEDIA_TYPE_REMOVED", Severity: compat.Breaking, Doc: "A request media type is no longer accepted, so clients sending it get 415."},
	{ID: "REQUEST_MEDIA_TYPE_ADDED", Severity: compat.Info, Doc: "A request media type was added; clients may send it, and what they sent before still works."},
	{ID: "RESPONSE_SUCCESS_STATUS_REPLACED", Severity: compat.Breaking, Doc: "None of the operation's success statuses remain, so clients checking for the old one see a status they never handled."},
	{ID: "RESPONSE_SUCCESS_STATUS_ADDED", Severity: compat.Warning, Doc: "A new success status was added next to the old ones, which clients may not expect."},
	{ID: "RESPONSE_STATUS_ADDED", Severity: compat.Info, Doc: "A new error or default response was documented; clients already cope with unexpected errors."},
	{ID: "RESPONSE_STATUS_REMOVED", Severity: compat.Info, Doc: "A response status is no longer documented, so the provider sends less variety than clients handle."},
	{ID: "RESPONSE_MEDIA_TYPE_REMOVED", Severity: compat.Breaking, Doc: "A response media type is no longer sent, so clients that parse or ask for it cannot read the response."},
	{ID: "RESPONSE_MEDIA_TYPE_ADDED", Severity: compat.Info, Doc: "A response media type was added; clients that ask for the old one still get it."},
	{ID: "RESPONSE_REQUIRED_HEADER_REMOVED", Severity: compat.Breaking, Doc: "A required response header was removed, so clients reading it find nothing."},
	{ID: "RESPONSE_OPTIONAL_HEADER_REMOVED", Severity: compat.Warning, Doc: "An optional response header was removed; clients that use it when present never see it again."},
	{ID: "RESPONSE_HEADER_MADE_OPTIONAL", Severity: compat.Breaking, Doc: "A required response header became optional, so clients relying on it may not get it."},
	{ID: "RESPONSE_HEADER_ADDED", Severity: compat.Info, Doc: "A response header was added; clients ignore headers they do not know."},
	{ID: "SECURITY_NARROWED", Severity: compat.Breaking, Doc: "A security alternative clients used is no longer accepted, so their credentials are refused."},
	{ID: "SECURITY_SCHEME_CHANGED", Severity: compat.Breaking, Doc: "A security scheme in use changed its type or where its credential goes, so the credentials clients send are no longer read."},
	{ID: "SECURITY_WIDENED", Severity: compat.Info, Doc: "A new security alternative is accepted; the credentials clients used still work."},
	{ID: "REQUEST_PROPERTY_REQUIRED_ADDED", Severity: compat.Breaking, Doc: "A request schema gained a required property, so bodies of existing clients that lack it are refused."},
	{ID: "REQUEST_PROPERTY_ADDED", Severity: compat.Info, Doc: "A request schema gained an optional property; bodies without it are still accepted."},
	{ID: "REQUEST_PROPERTY_REMOVED", Severity: compat.Warning, Doc: "A request property was removed; clients still sending it may see it ignored or refused."},
	{ID: "REQUEST_PROPERTY_REMOVED_REFUSED", Severity: compat.Breaking, Doc: "A request property was removed from a schema that forbids additional properties, so bodies that still send it are refused."},
	{ID: "REQUEST_PROPERTY_MADE_REQUIRED", Severity: compat.Breaking, Doc: "An optional request property became required, so bodies that leave it out are refused."},
	{ID: "REQUEST_PROPERTY_MADE_OPTIONAL", Severity: compat.Info, Doc: "A required request property became optional; every body that was valid still is."},
	{ID: "REQUEST_PROPERTY_MADE_READ_ONLY", Severity: compat.Warning, Doc: "A request property became readOnly, so the provider no longer reads what clients send in it."},
	{ID: "RESPONSE_PROPERTY_ADDED", Severity: compat.Info, Doc: "A response schema gained a property; clients ignore properties they do not know."},
	{ID: "RESPONSE_REQUIRED_PROPERTY_REMOVED", Severity: compat.Breaking, Doc: "A required response property was removed, so clients reading it find nothing."},
	{ID: "RESPONSE_OPTIONAL_PROPERTY_REMOVED", Severity: compat.Warning, Doc: "An optional response property was removed; clients that use it when present never see it again."},
	{ID: "RESPONSE_PROPERTY_MADE_OPTIONAL", Severity: compat.Breaking, Doc: "A required response property became optional, so clients relying on it may not get it."},
	{ID: "RESPONSE_PROPERTY_MADE_REQUIRED", Severity: compat.Info, Doc: "An optional response property became required; the provider promises more than before."},
	{ID: "RESPONSE_PROPERTY_MADE_WRITE_ONLY", Severity: compat.Breaking, Doc: "A response property became writeOnly, so responses no longer carry what clients read."},
	{ID: "DISCRIMINATOR_PROPERTY_CHANGED", Severity: compat.Breaking, Doc: "The discriminator property of a schema changed, so readers pick alternatives by a different field."},
	{ID: "REQUEST_TYPE_NARROWED", Severity: compat.Breaking, Doc: "A change to the type of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_TYPE_WIDENED", Severity: compat.Info, Doc: "A change to the type of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_TYPE_WIDENED", Severity: compat.Breaking, Doc: "A change to the type of a response schema lets the provider send values (or kinds of values) clients never expected, which breaks their parsing."},
	{ID: "RESPONSE_TYPE_NARROWED", Severity: compat.Info, Doc: "A change to the type of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_NULLABLE_NARROWED", Severity: compat.Breaking, Doc: "A change to whether null is allowed of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_NULLABLE_WIDENED", Severity: compat.Info, Doc: "A change to whether null is allowed of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_NULLABLE_WIDENED", Severity: compat.Breaking, Doc: "A change to whether null is allowed of a response schema lets the provider send values (or kinds of values) clients never expected, which breaks their parsing."},
	{ID: "RESPONSE_NULLABLE_NARROWED", Severity: compat.Info, Doc: "A change to whether null is allowed of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_FORMAT_NARROWED", Severity: compat.Breaking, Doc: "A change to the format of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_FORMAT_WIDENED", Severity: compat.Info, Doc: "A change to the format of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_FORMAT_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to the format of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_FORMAT_NARROWED", Severity: compat.Info, Doc: "A change to the format of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_ENUM_NARROWED", Severity: compat.Breaking, Doc: "A change to the enum values of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_ENUM_WIDENED", Severity: compat.Info, Doc: "A change to the enum values of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_ENUM_WIDENED", Severity: compat.Breaking, Tolerance: compat.NewEnumValues, Doc: "A change to the enum values of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates new-enum-values."},
	{ID: "RESPONSE_ENUM_NARROWED", Severity: compat.Info, Doc: "A change to the enum values of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_MAX_NARROWED", Severity: compat.Breaking, Doc: "A change to the maximum (or exclusiveMaximum) of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_MAX_WIDENED", Severity: compat.Info, Doc: "A change to the maximum (or exclusiveMaximum) of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_MAX_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to the maximum (or exclusiveMaximum) of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_MAX_NARROWED", Severity: compat.Info, Doc: "A change to the maximum (or exclusiveMaximum) of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_MIN_NARROWED", Severity: compat.Breaking, Doc: "A change to the minimum (or exclusiveMinimum) of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_MIN_WIDENED", Severity: compat.Info, Doc: "A change to the minimum (or exclusiveMinimum) of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_MIN_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to the minimum (or exclusiveMinimum) of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_MIN_NARROWED", Severity: compat.Info, Doc: "A change to the minimum (or exclusiveMinimum) of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_MAX_LENGTH_NARROWED", Severity: compat.Breaking, Doc: "A change to maxLength of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_MAX_LENGTH_WIDENED", Severity: compat.Info, Doc: "A change to maxLength of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_MAX_LENGTH_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to maxLength of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_MAX_LENGTH_NARROWED", Severity: compat.Info, Doc: "A change to maxLength of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_MIN_LENGTH_NARROWED", Severity: compat.Breaking, Doc: "A change to minLength of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_MIN_LENGTH_WIDENED", Severity: compat.Info, Doc: "A change to minLength of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_MIN_LENGTH_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to minLength of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_MIN_LENGTH_NARROWED", Severity: compat.Info, Doc: "A change to minLength of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_MAX_ITEMS_NARROWED", Severity: compat.Breaking, Doc: "A change to maxItems of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_MAX_ITEMS_WIDENED", Severity: compat.Info, Doc: "A change to maxItems of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_MAX_ITEMS_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to maxItems of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_MAX_ITEMS_NARROWED", Severity: compat.Info, Doc: "A change to maxItems of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_MIN_ITEMS_NARROWED", Severity: compat.Breaking, Doc: "A change to minItems of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_MIN_ITEMS_WIDENED", Severity: compat.Info, Doc: "A change to minItems of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_MIN_ITEMS_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to minItems of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_MIN_ITEMS_NARROWED", Severity: compat.Info, Doc: "A change to minItems of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_UNIQUE_ITEMS_NARROWED", Severity: compat.Breaking, Doc: "A change to uniqueItems of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_UNIQUE_ITEMS_WIDENED", Severity: compat.Info, Doc: "A change to uniqueItems of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_UNIQUE_ITEMS_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to uniqueItems of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_UNIQUE_ITEMS_NARROWED", Severity: compat.Info, Doc: "A change to uniqueItems of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_MULTIPLE_OF_NARROWED", Severity: compat.Breaking, Doc: "A change to multipleOf of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_MULTIPLE_OF_WIDENED", Severity: compat.Info, Doc: "A change to multipleOf of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_MULTIPLE_OF_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to multipleOf of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_MULTIPLE_OF_NARROWED", Severity: compat.Info, Doc: "A change to multipleOf of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_PATTERN_NARROWED", Severity: compat.Breaking, Doc: "A change to the pattern of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_PATTERN_WIDENED", Severity: compat.Info, Doc: "A change to the pattern of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_PATTERN_WIDENED", Severity: compat.Breaking, Tolerance: compat.WiderBounds, Doc: "A change to the pattern of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates wider-bounds."},
	{ID: "RESPONSE_PATTERN_NARROWED", Severity: compat.Info, Doc: "A change to the pattern of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_ADDITIONAL_PROPERTIES_NARROWED", Severity: compat.Breaking, Doc: "A change to additionalProperties of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_ADDITIONAL_PROPERTIES_WIDENED", Severity: compat.Info, Doc: "A change to additionalProperties of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_ADDITIONAL_PROPERTIES_WIDENED", Severity: compat.Info, Doc: "A change to additionalProperties of a response schema lets the provider send more; clients ignore what they do not know."},
	{ID: "RESPONSE_ADDITIONAL_PROPERTIES_NARROWED", Severity: compat.Info, Doc: "A change to additionalProperties of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_DISCRIMINATOR_MAPPING_NARROWED", Severity: compat.Breaking, Doc: "A change to the discriminator mapping of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_DISCRIMINATOR_MAPPING_WIDENED", Severity: compat.Info, Doc: "A change to the discriminator mapping of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_DISCRIMINATOR_MAPPING_WIDENED", Severity: compat.Breaking, Tolerance: compat.NewVariants, Doc: "A change to the discriminator mapping of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates new-variants."},
	{ID: "RESPONSE_DISCRIMINATOR_MAPPING_NARROWED", Severity: compat.Info, Doc: "A change to the discriminator mapping of a response schema sends fewer kinds of values; everything clients receive they already handle."},
	{ID: "REQUEST_VARIANTS_NARROWED", Severity: compat.Breaking, Doc: "A change to the oneOf or anyOf alternatives of a request schema accepts fewer values (or changes them), so some bodies or parameters clients send are refused."},
	{ID: "REQUEST_VARIANTS_WIDENED", Severity: compat.Info, Doc: "A change to the oneOf or anyOf alternatives of a request schema accepts more values; everything clients sent is still accepted."},
	{ID: "RESPONSE_VARIANTS_WIDENED", Severity: compat.Breaking, Tolerance: compat.NewVariants, Doc: "A change to the oneOf or anyOf alternatives of a response schema lets the provider send values clients never saw, which clients that validate or switch on them reject; breaking unless the consumer tolerates new-variants."},
	{ID: "RESPONSE_VARIANTS_NARROWED", Severity: compat.Info, Doc: "A change to the oneOf or anyOf alternatives of a response schema sends fewer kinds of values; everything clients receive they already handle."},
}

// ruleIndex maps rule ids to their rules.
var ruleIndex = func() map[string]compat.Rule {
	m := make(map[string]compat.Rule, len(Rules))
	for _, r := range Rules {
		m[r.ID] = r
	}
	return m
}()

// severity is the severity of rule id; an unknown id is a programming error
// the rule-list test catches, reported as breaking so it is never hidden.
func severity(id string) compat.Severity {
	if r, ok := ruleIndex[id]; ok {
		return r.Severity
	}
	return compat.Breaking
}
