package main
import (
 _ "github.com/gin-gonic/gin"
 _ "github.com/prometheus/client_golang/api/prometheus/v1"
 _ "github.com/prometheus/client_golang/prometheus/promauto"
 _ "github.com/prometheus/common/model"
 _ "gonum.org/v1/gonum/stat/distuv"
 _ "gonum.org/v1/gonum/floats/scalar"
 _ "go.uber.org/zap"
 _ "gopkg.in/yaml.v3"
 _ "github.com/fsnotify/fsnotify"
)
func main(){}
