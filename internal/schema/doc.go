// Package schema compiles the project's embedded JSON Schemas the one way
// they are meant to be read: draft 2020-12, with "format" asserted.
//
// It must never import a package of this module outside internal/ (see internal/layering).
package schema
