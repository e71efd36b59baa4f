package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// OpenAPIPath is where the service serves its OpenAPI description.
const OpenAPIPath = "/api/v1/openapi.yaml"

// openAPI is the OpenAPI 3 description of the HTTP API; openapi_test.go
// keeps it true to the router and to package wire.
//
//go:embed openapi.yaml
var openAPI []byte

// serveOpenAPI answers with the description.
func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", openAPI)
}
