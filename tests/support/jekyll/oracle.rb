# What Jekyll itself makes of things, as JSON, for the tests of notifier's reading of a site.
#   ruby oracle.rb site SITE_DIR   -> every document: path, collection, url, date, published, written, categories, tags
#   ruby oracle.rb time  < strings.json -> Time.parse of each string (ISO 8601 in UTC, or {"error": ...})
#   ruby oracle.rb yaml  < texts.json   -> each front matter as Jekyll's YAML reads it (dates as ISO text)
# The local zone is the TZ environment variable, as for Jekyll. Plugins and themes are left out.
require "jekyll"
require "json"
require "time"
require "tmpdir"

def plain(value)
  case value
  when Time then value.utc.iso8601(6)
  when Date then value.iso8601
  when Hash then value.transform_values { |v| plain(v) }
  when Array then value.map { |v| plain(v) }
  else value
  end
end

case ARGV.fetch(0)
when "site"
  conf = Jekyll.configuration("source" => ARGV.fetch(1), "destination" => Dir.mktmpdir, "quiet" => true,
                              "unpublished" => true, "plugins" => [], "theme" => nil, "disable_disk_cache" => true)
  site = Jekyll::Site.new(conf)
  site.reset
  site.read
  out = []
  site.collections.each do |name, coll|
    coll.docs.each do |d|
      # Before d.url (a :year placeholder sets the date to the build time); the build time is no date.
      dated = d.data.key?("date") && d.data["date"].to_i != site.time.to_i
      out << { "path" => d.relative_path, "collection" => name,
               "date" => dated ? d.date.getutc.iso8601 : nil, "url" => d.url,
               "published" => d.data["published"] != false, "written" => !!d.write?,
               "categories" => Array(d.data["categories"]).map(&:to_s).uniq,
               "tags" => Array(d.data["tags"]).map(&:to_s), "title" => d.data["title"]&.to_s }
    end
  end
  puts JSON.generate(out)
when "time"
  puts JSON.generate(JSON.parse($stdin.read).map do |s|
    Time.parse(s).utc.iso8601(6)
  rescue ArgumentError, RangeError => e
    { "error" => e.message }
  end)
when "yaml"
  puts JSON.generate(JSON.parse($stdin.read).map do |s|
    plain(Jekyll::Utils.safe_load_yaml(s))
  rescue StandardError => e
    { "__error__" => e.class.name }
  end)
end
