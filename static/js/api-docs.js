// The API reference page: swagger-ui from static/vendor (copied from npm by the build),
// reading the OpenAPI document the server generates. Nothing is loaded from outside.
window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  // The default validator badge calls a public web service; these machines have no internet.
  validatorUrl: null,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: false,
});
