package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/common/model"
)

// Labels returns the label names seen in [start, end]. A zero time is left
// out and Loki uses its default (the last six hours).
func (c *Client) Labels(ctx context.Context, start, end time.Time) ([]string, error) {
	params := url.Values{}
	if err := setRange(params, start, end); err != nil {
		return nil, err
	}
	return c.stringList(ctx, "/labels", params)
}

// LabelValues returns the values of one label seen in [start, end]. A zero
// time is left out and Loki uses its default.
func (c *Client) LabelValues(ctx context.Context, name string, start, end time.Time) ([]string, error) {
	if name == "" {
		return nil, errors.New("loki: label name is empty")
	}
	params := url.Values{}
	if err := setRange(params, start, end); err != nil {
		return nil, err
	}
	return c.stringList(ctx, "/label/"+url.PathEscape(name)+"/values", params)
}

// Series returns the label sets of the streams matching any of the stream
// selectors in [start, end]. The order is Loki's.
func (c *Client) Series(ctx context.Context, selectors []string, start, end time.Time) ([]model.LabelSet, error) {
	if len(selectors) == 0 {
		return nil, errors.New("loki: series needs at least one stream selector")
	}
	params := url.Values{"match[]": selectors}
	if err := setRange(params, start, end); err != nil {
		return nil, err
	}
	raw, err := c.get(ctx, "/series", params, nil)
	if err != nil {
		return nil, err
	}
	var maps []labelMap
	if isNull(raw) {
		return []model.LabelSet{}, nil
	}
	if err := json.Unmarshal(raw, &maps); err != nil {
		return nil, decodeError(fmt.Errorf("series: %w", err))
	}
	out := make([]model.LabelSet, len(maps))
	for i, m := range maps {
		out[i] = m.labelSet()
	}
	return out, nil
}

// stringList fetches an endpoint whose data is a list of strings.
func (c *Client) stringList(ctx context.Context, path string, params url.Values) ([]string, error) {
	raw, err := c.get(ctx, path, params, nil)
	if err != nil {
		return nil, err
	}
	var list []string
	if isNull(raw) {
		return []string{}, nil
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, decodeError(fmt.Errorf("%s: %w", path, err))
	}
	if list == nil {
		list = []string{}
	}
	return list, nil
}
