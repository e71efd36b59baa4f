// Package hostile plays a backend that answers badly: Prometheus, Loki, or a
// proxy in front of either. Its answers cover every wrong shape of a query
// answer (an empty object, null data, a missing or wrong resultType, a result
// that is not an array, samples that are not [time, "value"] pairs), error
// statuses with text, JSON and huge bodies, answers far larger than any real
// one, and answers that trickle in or never come.
//
// The provider tests feed each answer to their client, and the service's
// fault suite (app) feeds them to a whole judgement: no answer may crash the
// service or let a judgement pass.
package hostile
