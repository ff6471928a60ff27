/* The directory's map (registry/map.html): commune and département outlines, so the map
   reads without tiles, and the selected organisations as circle markers coloured by kind.
   Everything it needs comes from the page's JSON block #map-config; no inline script or
   style, so the page's strict Content-Security-Policy holds. */
(function () {
  "use strict";

  const element = document.querySelector("[data-map]");
  const configElement = document.getElementById("map-config");
  if (!element || !configElement || !window.L) return;

  const config = JSON.parse(configElement.textContent);
  const strings = config.strings;
  const status = document.querySelector("[data-map-status]");
  const toolbar = document.querySelector("[data-map-toolbar]");
  const buttons = Array.from(document.querySelectorAll("[data-map-view]"));
  toolbar.hidden = false;

  function say(text) {
    status.textContent = text;
  }

  const map = L.map(element, { preferCanvas: true, zoomSnap: 0.25 }).setView([46.6, 2.4], 6);
  map.attributionControl.addAttribution(config.outlinesAttribution);
  if (config.tilesUrl) {
    L.tileLayer(config.tilesUrl, { attribution: config.tilesAttribution, maxZoom: 19 }).addTo(map);
  }
  // Outlines under the markers, on their own canvas.
  map.createPane("outlines").style.zIndex = "350";
  const outlineRenderer = L.canvas({ pane: "outlines" });

  const STYLES = {
    region: function (feature) {
      if (feature.properties.level === "commune") {
        return { color: "#b3bdc7", weight: 0.6, fillColor: "#ffffff", fillOpacity: 1 };
      }
      return { color: "#4a5568", weight: 1.8, fill: false };
    },
    france: function (feature) {
      if (feature.properties.in_region) {
        return { color: "#07514d", weight: 1.5, fillColor: "#dcefed", fillOpacity: 1 };
      }
      return { color: "#8a96a3", weight: 0.8, fillColor: "#ffffff", fillOpacity: 1 };
    },
  };

  function label(feature) {
    const text = document.createElement("span");
    text.textContent = feature.properties.name;
    const [longitude, latitude] = feature.properties.label;
    return L.tooltip({ permanent: true, direction: "center", className: "map-label" })
      .setLatLng([latitude, longitude])
      .setContent(text);
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + url);
        return response.json();
      });
  }

  const views = {}; // scope -> {layer, bounds}, loaded once
  let current = null;
  let points = null;

  function loadView(scope) {
    if (views[scope]) return Promise.resolve(views[scope]);
    return fetchJson(config.outlinesUrl + "?scope=" + scope).then(function (data) {
      const outlines = L.geoJSON(data, {
        renderer: outlineRenderer,
        interactive: false,
        style: STYLES[scope],
      });
      const layer = L.layerGroup([outlines]);
      if (scope === "region") {
        data.features
          .filter(function (feature) { return feature.properties.level === "departement"; })
          .forEach(function (feature) { layer.addLayer(label(feature)); });
      }
      views[scope] = { layer: layer, bounds: outlines.getBounds() };
      return views[scope];
    });
  }

  function show(scope) {
    current = scope;
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.mapView === scope));
    });
    say(strings.loading);
    loadView(scope)
      .then(function (view) {
        if (current !== scope) return; // another view was asked for meanwhile
        Object.keys(views).forEach(function (other) {
          if (other !== scope) map.removeLayer(views[other].layer);
        });
        view.layer.addTo(map);
        map.fitBounds(view.bounds, { padding: [8, 8] });
        say(scope === "region" ? strings.regionShown : strings.franceShown);
      })
      .catch(function () {
        if (current !== scope) return;
        if (points && points.getLayers().length) map.fitBounds(points.getBounds(), { padding: [16, 16] });
        say(strings.outlinesFailed);
      });
  }

  function popup(properties) {
    const box = document.createElement("div");
    const name = document.createElement("strong");
    const link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.name;
    name.appendChild(link);
    const details = document.createElement("p");
    details.textContent = properties.kind_label + (properties.city ? " · " + properties.city : "");
    box.append(name, details);
    return box;
  }

  fetchJson(config.pointsUrl)
    .then(function (data) {
      points = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, {
            radius: 6,
            weight: 1.5,
            color: "#ffffff",
            fillColor: config.colours[feature.properties.kind] || config.otherColour,
            fillOpacity: 0.95,
          });
        },
        onEachFeature: function (feature, layer) {
          layer.bindPopup(function () { return popup(feature.properties); });
        },
      }).addTo(map);
    })
    .catch(function () {
      say(strings.pointsFailed);
    });

  buttons.forEach(function (button) {
    button.addEventListener("click", function () { show(button.dataset.mapView); });
  });
  show("region");
})();
